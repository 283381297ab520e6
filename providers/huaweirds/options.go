package huaweirds

import (
	"regexp"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3/model"

	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

// Documented limits of CreateManualBackup.
const (
	maxName        = 64
	maxDescription = 256
	maxDatabase    = 128
	descForbidden  = `>!<"&'=`
)

var (
	optionKeys = []string{"project_id", "name", "description", "databases"}
	// nameRE: 4–64 characters, a letter first, then letters, digits, - or _.
	nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,63}$`)
)

// DefaultName is the backup name used when the target has none:
// "backupfn-" and the UTC time, e.g. "backupfn-20260101T020000".
func DefaultName(now time.Time) string {
	return "backupfn-" + now.UTC().Format("20060102T150405")
}

// request builds the CreateManualBackup request for t at time now, or an
// InvalidArgument error. The marker goes into the (unique) backup name.
func request(t providers.Target, o providers.StartOptions, now time.Time) (*model.CreateManualBackupRequest, error) {
	if err := providers.CheckOptions(t, optionKeys...); err != nil {
		return nil, err
	}
	if err := huaweicommon.CheckProject(t); err != nil {
		return nil, err
	}
	name, err := backupName(t, o.Marker, now)
	if err != nil {
		return nil, err
	}
	body := &model.CreateManualBackupRequestBody{InstanceId: t.Instance, Name: name}
	desc := t.Option("description")
	if o.Remark != "" {
		desc = o.Remark
	}
	if err := checkDescription(t, desc); err != nil {
		return nil, err
	}
	if desc != "" {
		body.Description = &desc
	}
	dbs, err := databases(t)
	if err != nil {
		return nil, err
	}
	if len(dbs) > 0 {
		body.Databases = &dbs
	}
	return &model.CreateManualBackupRequest{Body: body}, nil
}

// backupName returns the name option (or DefaultName) with the marker.
func backupName(t providers.Target, marker string, now time.Time) (string, error) {
	name := t.Option("name")
	if name == "" {
		name = DefaultName(now)
	}
	if !nameRE.MatchString(name) {
		return "", providers.Invalid(t, "name %q: want 4–64 characters, a letter first, then letters, digits, '-' or '_'", name)
	}
	full := providers.NameWithMarker(name, marker, maxName)
	if !nameRE.MatchString(full) {
		return "", providers.Invalid(t, "name %q with the dedupe marker is not a valid backup name", full)
	}
	return full, nil
}

func checkDescription(t providers.Target, desc string) error {
	if n := len([]rune(desc)); n > maxDescription {
		return providers.Invalid(t, "description is %d characters; RDS allows %d", n, maxDescription)
	}
	if i := strings.IndexAny(desc, descForbidden); i >= 0 {
		return providers.Invalid(t, "description may not contain %q (none of %s)", desc[i:i+1], descForbidden)
	}
	return nil
}

// databases parses the comma-separated databases option (a partial backup,
// SQL Server and PostgreSQL only: the cloud checks the engine).
func databases(t providers.Target) ([]model.BackupDatabase, error) {
	raw := t.Option("databases")
	if raw == "" {
		return nil, nil
	}
	seen := map[string]bool{}
	var out []model.BackupDatabase
	for _, d := range strings.Split(raw, ",") {
		d = strings.TrimSpace(d)
		switch {
		case d == "":
			return nil, providers.Invalid(t, "databases %q has an empty name", raw)
		case len([]rune(d)) > maxDatabase:
			return nil, providers.Invalid(t, "database name %q is longer than %d characters", d, maxDatabase)
		case strings.ContainsAny(d, " \t\r\n\"'"):
			return nil, providers.Invalid(t, "database name %q has spaces or quotes", d)
		case seen[d]:
			return nil, providers.Invalid(t, "database %q is listed twice", d)
		}
		seen[d] = true
		out = append(out, model.BackupDatabase{Name: d})
	}
	return out, nil
}
