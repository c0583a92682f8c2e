package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/portico/portico/gateway/usage"
	"github.com/portico/portico/models"
)

// WriteBatch stores a batch of usage counts (it implements usage.Sink):
// each bucket's counts are added to what is stored for its key, in one
// transaction. A batch whose ID was stored before is ignored, so a gateway
// that resends a batch it is not sure arrived counts nothing twice.
func (s *Store) WriteBatch(ctx context.Context, b usage.Batch) error {
	if b.ID == "" {
		return models.Errorf(models.Invalid, "a usage batch needs an ID")
	}
	err := s.write(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("INSERT INTO usage_batches (id, source, received_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING", b.ID, b.Source, s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // seen before
		}
		for _, k := range b.Buckets {
			var old struct {
				Count        int64
				LatencyMSSum float64
				Histogram    string
			}
			minute := k.Minute.UTC().Truncate(time.Minute)
			found := tx.Raw(`SELECT count, latency_ms_sum, histogram FROM usage_buckets
				WHERE application_id = ? AND api_version_id = ? AND operation = ? AND status_class = ? AND minute = ?`,
				k.App, k.Version, k.Operation, k.StatusClass, minute).Scan(&old)
			if found.Error != nil {
				return found.Error
			}
			hist := k.Histogram
			if found.RowsAffected > 0 {
				var prev []int64
				if err := json.Unmarshal([]byte(old.Histogram), &prev); err != nil {
					return fmt.Errorf("usage histogram: %w", err)
				}
				for i := range hist {
					if i < len(prev) {
						hist[i] += prev[i]
					}
				}
			}
			hj, err := json.Marshal(hist[:])
			if err != nil {
				return err
			}
			if found.RowsAffected == 0 {
				err = tx.Exec(`INSERT INTO usage_buckets (application_id, api_version_id, operation, status_class, minute, count, latency_ms_sum, histogram)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, k.App, k.Version, k.Operation, k.StatusClass, minute, k.Count, k.LatencyMS, string(hj)).Error
			} else {
				err = tx.Exec(`UPDATE usage_buckets SET count = ?, latency_ms_sum = ?, histogram = ?
					WHERE application_id = ? AND api_version_id = ? AND operation = ? AND status_class = ? AND minute = ?`,
					old.Count+k.Count, old.LatencyMSSum+k.LatencyMS, string(hj), k.App, k.Version, k.Operation, k.StatusClass, minute).Error
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return translate("write usage batch", "Usage", err)
	}
	return nil
}

// PruneUsageBatches forgets batch IDs received before cutoff: a gateway
// resends a batch within minutes, not days.
func (s *Store) PruneUsageBatches(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.write(ctx).Exec("DELETE FROM usage_batches WHERE received_at < ?", cutoff.UTC())
	if res.Error != nil {
		return 0, translate("prune usage batches", "Usage", res.Error)
	}
	return res.RowsAffected, nil
}

// ApplicationUsage returns an application's calls since a time, per API
// version, as the gateway counted them. The viewer must see the
// application (else NotFound).
func (s *Store) ApplicationUsage(ctx context.Context, viewerID, appID int64, since time.Time) ([]models.UsageTotal, error) {
	if _, err := findVisibleApp(s.read(ctx), viewerID, appID); err != nil {
		return nil, err
	}
	var rows []struct {
		models.UsageTotal
		Last sql.NullString
	}
	err := s.read(ctx).Raw(`SELECT s.slug AS subsidiary, a.slug AS api, a.name AS api_name, v.slug AS version,
			SUM(u.count) AS calls,
			SUM(CASE WHEN u.status_class = 2 THEN u.count ELSE 0 END) AS success,
			SUM(CASE WHEN u.status_class = 4 THEN u.count ELSE 0 END) AS client_errors,
			SUM(CASE WHEN u.status_class = 5 THEN u.count ELSE 0 END) AS server_errors,
			MAX(u.minute) AS last
		FROM usage_buckets u JOIN api_versions v ON v.id = u.api_version_id JOIN apis a ON a.id = v.api_id
			JOIN subsidiaries s ON s.id = a.subsidiary_id
		WHERE u.application_id = ? AND u.minute >= ?
		GROUP BY s.slug, a.slug, a.name, v.slug ORDER BY a.name, v.slug`, appID, since.UTC()).Scan(&rows).Error
	if err != nil {
		return nil, translate("read application usage", "Usage", err)
	}
	out := make([]models.UsageTotal, len(rows))
	for i, r := range rows {
		out[i] = r.UsageTotal
		if t, ok := parseDBTime(r.Last.String); r.Last.Valid && ok {
			out[i].LastCall = &t
		}
	}
	return out, nil
}

// parseDBTime reads a time an aggregate returned as text (SQLite keeps
// DATETIME as text; database/sql formats PostgreSQL's as RFC 3339).
func parseDBTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
