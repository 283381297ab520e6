package faultmatrix

import "os"

func redisURL() string {
	if u := os.Getenv("BACKUPFN_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}
