package wrap

import (
	"context"
	"errors"
	"time"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// ErrDryRun is what a DryRun provider returns instead of calling the cloud.
var ErrDryRun = errors.New("dry run: not called")

// DryRun returns p calling nothing: StartBackup validates the target and
// returns ErrDryRun (or the validation error), FindStarted finds nothing,
// Status is an InvalidArgument error. Validate and Scheme pass through.
func DryRun(p providers.Provider) providers.Provider { return dryRun{base{p}} }

type dryRun struct{ base }

// StartBackup implements providers.Provider.
func (d dryRun) StartBackup(_ context.Context, t providers.Target, _ providers.StartOptions) (providers.Started, error) {
	if err := d.Validate(t); err != nil {
		return providers.Started{}, err
	}
	return providers.Started{}, ErrDryRun
}

// FindStarted implements providers.Provider.
func (d dryRun) FindStarted(context.Context, providers.Target, string, time.Time) (providers.Started, bool, error) {
	return providers.Started{}, false, nil
}

// Status implements providers.Provider.
func (d dryRun) Status(context.Context, providers.Target, string) (providers.TaskStatus, error) {
	return providers.TaskStatus{}, errkind.New(errkind.InvalidArgument, "dry run: no task to follow")
}
