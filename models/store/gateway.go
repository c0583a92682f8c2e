package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/portico/portico/gateway"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
)

// GatewayRevision returns the configuration revision: a counter that
// database triggers bump in the transaction of every change the gateway
// cares about (migration 00006). It is one primary-key read, cheap enough
// to poll several times a second.
func (s *Store) GatewayRevision(ctx context.Context) (int64, error) {
	var rev int64
	if err := s.read(ctx).Raw("SELECT revision FROM gateway_revision WHERE id = 1").Scan(&rev).Error; err != nil {
		return 0, translate("read gateway revision", "Gateway revision", err)
	}
	return rev, nil
}

// gatewayDocs caches the gateway form of documents by their content hash
// (content-addressed, so one cache serves every store).
var gatewayDocs sync.Map // document hash → []byte

// CompileSnapshot compiles the gateway's configuration: live API versions
// with their routes, the plans of their APIs, the applications with an
// active subscription to one of them, and those applications' unrevoked
// keys (digests only). It reads everything in one transaction that starts
// by reading the revision, so a change made during the compile moves the
// revision past the snapshot's and causes another compile.
//
// Base paths: a version's own base path, or /{subsidiary}/{api}/v{major}.
// When several versions claim one path, a published or deprecated version
// wins over a retired one, then the highest version number: 1.4.0 and
// 1.5.0 both published make /bank/accounts/v1 serve 1.5.0.
func (s *Store) CompileSnapshot(ctx context.Context) (*gateway.Snapshot, error) {
	snap := &gateway.Snapshot{GeneratedAt: s.now()}
	err := s.read(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == DialectPostgres {
			if err := tx.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").Error; err != nil {
				return err
			}
		}
		if err := tx.Raw("SELECT revision FROM gateway_revision WHERE id = 1").Scan(&snap.Revision).Error; err != nil {
			return err
		}
		routes, err := compileRoutes(ctx, tx)
		if err != nil {
			return err
		}
		snap.Routes = routes
		apiIDs := make([]int64, 0, len(routes))
		seenAPI := map[int64]bool{}
		for _, r := range routes {
			if !seenAPI[r.APIID] {
				seenAPI[r.APIID] = true
				apiIDs = append(apiIDs, r.APIID)
			}
		}
		if len(apiIDs) == 0 {
			return nil
		}
		if snap.Plans, err = compilePlans(tx, apiIDs); err != nil {
			return err
		}
		if snap.Apps, err = compileApps(tx, apiIDs); err != nil {
			return err
		}
		snap.Credentials, err = compileCredentials(tx, apiIDs)
		return err
	})
	if err != nil {
		return nil, translate("compile gateway snapshot", "Gateway snapshot", err)
	}
	return snap, nil
}

type routeRow struct {
	ID           int64
	APIID        int64
	Subsidiary   string
	API          string
	Slug         string
	Version      string
	State        string
	BasePath     string
	UpstreamURL  string
	DeprecatedAt *time.Time
	SunsetAt     *time.Time
	DocumentHash string
	UpdatedAt    time.Time
	Validate     bool
	CORSOrigins  string
}

func compileRoutes(ctx context.Context, tx *gorm.DB) ([]gateway.Route, error) {
	var rows []routeRow
	err := tx.Raw(`SELECT v.id, v.api_id, s.slug AS subsidiary, a.slug AS api, v.slug, v.version, v.state,
			v.base_path, v.upstream_url, v.deprecated_at, v.sunset_at, v.document_hash, v.updated_at,
			v.validate_requests AS validate, v.cors_origins
		FROM api_versions v JOIN apis a ON a.id = v.api_id JOIN subsidiaries s ON s.id = a.subsidiary_id
		WHERE v.state IN ('published', 'deprecated', 'retired')`).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	// The winner of each base path (see CompileSnapshot).
	sort.SliceStable(rows, func(i, j int) bool {
		ri, rj := rows[i].State != string(models.StateRetired), rows[j].State != string(models.StateRetired)
		if ri != rj {
			return ri
		}
		if c := models.CompareVersions(rows[i].Version, rows[j].Version); c != 0 {
			return c > 0
		}
		return rows[i].ID > rows[j].ID
	})
	taken := map[string]bool{}
	var out []gateway.Route
	var ids []int64
	for _, r := range rows {
		base := r.BasePath
		if base == "" {
			base = "/" + r.Subsidiary + "/" + r.API + "/v" + majorOf(r.Version, r.Slug)
		}
		base = strings.TrimRight(base, "/")
		if taken[base] {
			continue
		}
		taken[base] = true
		out = append(out, gateway.Route{
			VersionID: r.ID, APIID: r.APIID, Subsidiary: r.Subsidiary, API: r.API, Version: r.Slug,
			BasePath: base, Upstream: r.UpstreamURL, State: r.State, DeprecatedAt: r.DeprecatedAt, SunsetAt: r.SunsetAt,
		})
		if origins := parseOrigins(r.CORSOrigins); len(origins) > 0 {
			out[len(out)-1].CORS = &gateway.CORS{AllowOrigins: origins, MaxAgeSeconds: 600}
		}
		out[len(out)-1].Validate = r.Validate
		if r.State != string(models.StatePublished) && r.DeprecatedAt == nil {
			// Deprecated without a recorded date: since its last change.
			t := r.UpdatedAt.UTC()
			out[len(out)-1].DeprecatedAt = &t
		}
		ids = append(ids, r.ID)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].BasePath < out[j].BasePath })
	if len(ids) == 0 {
		return out, nil
	}
	var ops []struct {
		APIVersionID int64
		Method       string
		Path         string
		OperationID  string
	}
	if err := tx.Raw(`SELECT api_version_id, method, path, operation_id FROM api_operations
		WHERE api_version_id IN (` + inList(ids) + `) ORDER BY api_version_id, position`).Scan(&ops).Error; err != nil {
		return nil, err
	}
	byVersion := map[int64][]gateway.Operation{}
	for _, o := range ops {
		m := strings.ToUpper(o.Method)
		id := o.OperationID
		if id == "" {
			id = m + " " + o.Path
		}
		byVersion[o.APIVersionID] = append(byVersion[o.APIVersionID], gateway.Operation{ID: id, Method: m, Path: o.Path})
	}
	hashes := map[int64]string{}
	for _, r := range rows {
		hashes[r.ID] = r.DocumentHash
	}
	for i := range out {
		r := &out[i]
		r.Operations = byVersion[r.VersionID]
		if r.Upstream != "" && !r.Validate || r.State == string(models.StateRetired) {
			continue
		}
		// No upstream (the built-in mock answers from the document), or
		// requests are validated against it.
		doc, err := gatewayDocument(ctx, tx, r.VersionID, hashes[r.VersionID])
		if err != nil {
			return nil, fmt.Errorf("document of %s/%s %s: %w", r.Subsidiary, r.API, r.Version, err)
		}
		r.Document = doc
	}
	return out, nil
}

// gatewayDocument returns the version's document in the gateway's form
// (OpenAPI 3.x JSON), converting it once per content hash.
func gatewayDocument(ctx context.Context, tx *gorm.DB, versionID int64, hash string) (json.RawMessage, error) {
	if v, ok := gatewayDocs.Load(hash); ok && hash != "" {
		return v.([]byte), nil
	}
	var doc []byte
	if err := tx.Raw("SELECT document FROM api_version_documents WHERE api_version_id = ?", versionID).Row().Scan(&doc); err != nil {
		return nil, err
	}
	out, err := openapi.GatewayDocument(ctx, doc)
	if err != nil {
		return nil, err
	}
	if hash != "" {
		gatewayDocs.Store(hash, out)
	}
	return out, nil
}

func compilePlans(tx *gorm.DB, apiIDs []int64) ([]gateway.Plan, error) {
	var plans []models.Plan
	if err := tx.Where("api_id IN ("+inList(apiIDs)+") AND state <> ?", models.PlanRetired).Order("id").Find(&plans).Error; err != nil {
		return nil, err
	}
	out := make([]gateway.Plan, 0, len(plans))
	for _, p := range plans {
		gp := gateway.Plan{ID: p.ID, APIID: p.APIID, Name: p.Name, KeyMode: string(p.KeyMode), Limits: gatewayLimits(p.Limits), Operations: p.Operations, QueryCredentials: p.QueryCredentials}
		if len(p.OperationLimits) > 0 {
			gp.OperationLimits = make(map[string]gateway.Limits, len(p.OperationLimits))
			for op, l := range p.OperationLimits {
				gp.OperationLimits[op] = gatewayLimits(l)
			}
		}
		out = append(out, gp)
	}
	return out, nil
}

func gatewayLimits(l models.Limits) gateway.Limits {
	return gateway.Limits{
		RatePerSecond: l.RatePerSecond, RatePerMinute: l.RatePerMinute, RatePerHour: l.RatePerHour,
		QuotaPerDay: l.QuotaPerDay, QuotaPerMonth: l.QuotaPerMonth, SpikeArrest: l.SpikeArrest,
	}
}

// subscribedApps selects the applications with an active subscription to
// one of the APIs.
func subscribedApps(apiIDs []int64) string {
	return "SELECT application_id FROM subscriptions WHERE state = 'active' AND api_id IN (" + inList(apiIDs) + ")"
}

func compileApps(tx *gorm.DB, apiIDs []int64) ([]gateway.App, error) {
	rows, err := tx.Raw(`SELECT a.id, a.app_id, a.name, a.status, a.ip_allowlist, u.status
		FROM applications a LEFT JOIN users u ON u.id = a.owner_user_id
		WHERE a.id IN (` + subscribedApps(apiIDs) + `) ORDER BY a.id`).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []gateway.App
	index := map[int64]int{}
	for rows.Next() {
		var a gateway.App
		var status string
		var allow, owner sql.NullString
		if err := rows.Scan(&a.ID, &a.AppID, &a.Name, &status, &allow, &owner); err != nil {
			return nil, err
		}
		a.Active = status == string(models.ApplicationActive) && (!owner.Valid || owner.String == string(models.UserActive))
		if allow.Valid && allow.String != "" && allow.String != "null" {
			if err := json.Unmarshal([]byte(allow.String), &a.IPAllowlist); err != nil {
				return nil, fmt.Errorf("ip allowlist of application %d: %w", a.ID, err)
			}
		}
		index[a.ID] = len(out)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	subs, err := tx.Raw(`SELECT id, application_id, api_id, plan_id FROM subscriptions
		WHERE state = 'active' AND api_id IN (` + inList(apiIDs) + `) ORDER BY id`).Rows()
	if err != nil {
		return nil, err
	}
	defer subs.Close()
	for subs.Next() {
		var sub gateway.Subscription
		var app int64
		if err := subs.Scan(&sub.ID, &app, &sub.APIID, &sub.PlanID); err != nil {
			return nil, err
		}
		if i, ok := index[app]; ok {
			out[i].Subscriptions = append(out[i].Subscriptions, sub)
		}
	}
	return out, subs.Err()
}

func compileCredentials(tx *gorm.DB, apiIDs []int64) ([]gateway.Credential, error) {
	rows, err := tx.Raw(`SELECT id, application_id, kind, digest, prefix, expires_at FROM credentials
		WHERE revoked_at IS NULL AND application_id IN (` + subscribedApps(apiIDs) + `) ORDER BY id`).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []gateway.Credential
	for rows.Next() {
		var c gateway.Credential
		var digest []byte
		var expires sql.NullTime
		if err := rows.Scan(&c.ID, &c.App, &c.Kind, &digest, &c.Prefix, &expires); err != nil {
			return nil, err
		}
		c.Digest = hex.EncodeToString(digest)
		if expires.Valid {
			t := expires.Time.UTC()
			c.ExpiresAt = &t
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// majorOf returns the major version of a version string ("2.1.0" → "2",
// "v3" → "3"); without leading digits, the slug.
func majorOf(version, slug string) string {
	v := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(version), "v"), "V")
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	if end == 0 {
		return slug
	}
	n, _ := strconv.Atoi(v[:end])
	return strconv.Itoa(n)
}

// inList formats IDs for an IN clause, as literals (they are int64: no
// injection); unlike Store.idList, which encodes one bind parameter.
func inList(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// VersionGateway returns the gateway settings of an API version.
func (s *Store) VersionGateway(ctx context.Context, versionID int64) (models.VersionGateway, error) {
	var g models.VersionGateway
	var row struct {
		BasePath, UpstreamURL, CORSOrigins string
		ValidateRequests                   bool
	}
	res := s.read(ctx).Raw("SELECT base_path, upstream_url, validate_requests, cors_origins FROM api_versions WHERE id = ?", versionID).Scan(&row)
	if res.Error != nil {
		return g, translate("read gateway settings", "API version", res.Error)
	}
	if res.RowsAffected == 0 {
		return g, models.Errorf(models.NotFound, "API version not found")
	}
	return models.VersionGateway{BasePath: row.BasePath, UpstreamURL: row.UpstreamURL, ValidateRequests: row.ValidateRequests, CORSOrigins: parseOrigins(row.CORSOrigins)}, nil
}

// UpdateVersionGateway sets where the gateway serves an API version of one
// of subsidiaries (models.GlobalDomain for all; a version outside them is
// NotFound) and its upstream. A base path another API's live version is
// served at is a Conflict. Audited as "version.gateway" with the settings
// before and after.
func (s *Store) UpdateVersionGateway(ctx context.Context, actor models.Actor, subsidiaries []string, versionID int64, g models.VersionGateway) (models.VersionGateway, error) {
	g.BasePath = strings.TrimSpace(g.BasePath)
	g.UpstreamURL = strings.TrimRight(strings.TrimSpace(g.UpstreamURL), "/")
	origins := []string{}
	for _, o := range g.CORSOrigins {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			origins = append(origins, o)
		}
	}
	g.CORSOrigins = origins
	if err := g.Validate(); err != nil {
		return models.VersionGateway{}, err
	}
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		var v struct {
			APIID            int64
			Version          string
			Slug             string
			BasePath         string
			Upstream         string
			Subsidiary       string
			API              string
			ValidateRequests bool
			CORSOrigins      string
		}
		res := tx.Raw(`SELECT v.api_id, v.version, v.slug, v.base_path, v.upstream_url AS upstream, s.slug AS subsidiary, a.slug AS api,
				v.validate_requests, v.cors_origins
			FROM api_versions v JOIN apis a ON a.id = v.api_id JOIN subsidiaries s ON s.id = a.subsidiary_id WHERE v.id = ?`, versionID).Scan(&v)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.NotFound, "API version not found")
		}
		if _, err := apiSubsidiary(tx, v.APIID, subsidiaries); err != nil {
			return models.Errorf(models.NotFound, "API version not found")
		}
		path := g.BasePath
		if path == "" {
			path = "/" + v.Subsidiary + "/" + v.API + "/v" + majorOf(v.Version, v.Slug)
		}
		var others []routeRow
		if err := tx.Raw(`SELECT v.id, v.api_id, s.slug AS subsidiary, a.slug AS api, v.slug, v.version, v.base_path
			FROM api_versions v JOIN apis a ON a.id = v.api_id JOIN subsidiaries s ON s.id = a.subsidiary_id
			WHERE v.state IN ('published', 'deprecated', 'retired') AND v.api_id <> ?`, v.APIID).Scan(&others).Error; err != nil {
			return err
		}
		for _, o := range others {
			op := o.BasePath
			if op == "" {
				op = "/" + o.Subsidiary + "/" + o.API + "/v" + majorOf(o.Version, o.Slug)
			}
			if op == path {
				return models.Errorf(models.Conflict, "The gateway already serves %s/%s %s at %s: choose another base path.", o.Subsidiary, o.API, o.Version, path)
			}
		}
		cors, err := json.Marshal(g.CORSOrigins)
		if err != nil {
			return err
		}
		if err := tx.Exec("UPDATE api_versions SET base_path = ?, upstream_url = ?, validate_requests = ?, cors_origins = ?, updated_at = ? WHERE id = ?",
			g.BasePath, g.UpstreamURL, g.ValidateRequests, string(cors), s.now(), versionID).Error; err != nil {
			return err
		}
		a.record("version.gateway", v.Subsidiary, "version:"+strconv.FormatInt(versionID, 10),
			models.VersionGateway{BasePath: v.BasePath, UpstreamURL: v.Upstream, ValidateRequests: v.ValidateRequests, CORSOrigins: parseOrigins(v.CORSOrigins)}, g)
		return nil
	})
	if err != nil {
		return models.VersionGateway{}, translate("update gateway settings", "API version", err)
	}
	return g, nil
}

// parseOrigins reads the JSON array of CORS origins of a version.
func parseOrigins(s string) []string {
	var out []string
	if s == "" || json.Unmarshal([]byte(s), &out) != nil {
		return nil
	}
	return out
}
