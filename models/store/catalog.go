package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/portico/portico/models"
)

// Catalog paging.
const (
	DefaultPerPage  = 12
	MaxPerPage      = 100
	tagFacetLimit   = 20
	defaultFeatured = 6
)

// maxMatches bounds how many full-text matches a search ranks: the best
// 10,000 are far more than anyone pages through.
const maxMatches = 10_000

// Ranking queries: the only ORDER BY clauses of full-text matching. Column
// weights of bm25: name, summary, tags, description, versions, operations.
var matchQueries = map[string]string{
	DialectSQLite: "SELECT rowid FROM catalog_fts WHERE catalog_fts MATCH ? " +
		"ORDER BY bm25(catalog_fts, 10.0, 4.0, 6.0, 2.0, 1.0, 1.5), rowid LIMIT ?",
	DialectPostgres: "SELECT api_id FROM catalog_search, to_tsquery('simple', ?) AS tq WHERE document @@ tq " +
		"ORDER BY ts_rank(document, tq) DESC, api_id LIMIT ?",
}

// catalogOrders are the only ORDER BY clauses of catalog lists: by name
// (featured first), or in the order of the ranked matches joined as m.
var catalogOrders = map[string]string{
	"name":               "a.featured DESC, lower(a.name) ASC, a.id ASC",
	"relevance/sqlite":   "m.key ASC",
	"relevance/postgres": "m.ord ASC",
}

// matchText returns the IDs of the APIs whose search text matches every
// term, best first.
func (s *Store) matchText(db *gorm.DB, terms []string) ([]int64, error) {
	query := ftsMatch(terms)
	if s.dialect == DialectPostgres {
		query = tsQuery(terms)
	}
	ids := []int64{}
	err := db.Raw(matchQueries[s.dialect], query, maxMatches).Scan(&ids).Error
	return ids, err
}

// idList encodes IDs as one bind parameter: a JSON array for SQLite's
// json_each, an array literal for PostgreSQL's bigint[].
func (s *Store) idList(ids []int64) string {
	var b strings.Builder
	opening, closing := "[", "]"
	if s.dialect == DialectPostgres {
		opening, closing = "{", "}"
	}
	b.WriteString(opening)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteString(closing)
	return b.String()
}

// catalogSQL builds the FROM and WHERE of a catalog query. Every value is
// a bind parameter; only fixed SQL text is concatenated.
type catalogSQL struct {
	joins    []string
	joinArgs []any
	conds    []string
	condArgs []any
}

func (c *catalogSQL) join(sql string, args ...any) {
	c.joins = append(c.joins, sql)
	c.joinArgs = append(c.joinArgs, args...)
}

func (c *catalogSQL) where(sql string, args ...any) {
	c.conds = append(c.conds, sql)
	c.condArgs = append(c.condArgs, args...)
}

// query returns "SELECT sel FROM ... WHERE ... tail" and its arguments.
func (c *catalogSQL) query(sel, tail string, tailArgs ...any) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT " + sel + " FROM apis a JOIN catalog_entries c ON c.api_id = a.id")
	for _, j := range c.joins {
		b.WriteString(" " + j)
	}
	if len(c.conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(c.conds, " AND "))
	}
	if tail != "" {
		b.WriteString(" " + tail)
	}
	args := append(append(append([]any{}, c.joinArgs...), c.condArgs...), tailArgs...)
	return b.String(), args
}

// facet names for catalogFilter's except.
const (
	exceptNone       = ""
	exceptSubsidiary = "subsidiary"
	exceptTag        = "tag"
)

// catalogFilter returns the query for the entries matching q. matched, when
// not nil, holds the full-text matches (see matchText); ranked joins them as
// m for ordering, else they are a semi-join. except leaves out one filter,
// so that a facet counts what choosing another value of it would give.
func (s *Store) catalogFilter(q models.CatalogQuery, matched []int64, ranked bool, except string) *catalogSQL {
	c := &catalogSQL{}
	if matched != nil {
		switch {
		case s.dialect == DialectPostgres && ranked:
			c.join("JOIN unnest(?::bigint[]) WITH ORDINALITY AS m (id, ord) ON m.id = a.id", s.idList(matched))
		case s.dialect == DialectPostgres:
			c.where("a.id = ANY (?::bigint[])", s.idList(matched))
		default:
			// A join rather than IN (SELECT ...): SQLite would build a
			// temporary index of the list for IN on every query.
			c.join("JOIN json_each(?) m ON m.value = a.id", s.idList(matched))
		}
	}
	if q.Subsidiary != "" && except != exceptSubsidiary {
		c.where("a.subsidiary_id IN (SELECT id FROM subsidiaries WHERE slug = ?)", q.Subsidiary)
	}
	if tag := normalizeTag(q.Tag); tag != "" && except != exceptTag {
		c.where("EXISTS (SELECT 1 FROM catalog_tags t WHERE t.api_id = a.id AND t.tag = ?)", tag)
	}
	if q.State != "" {
		c.where("EXISTS (SELECT 1 FROM api_versions v WHERE v.api_id = a.id AND v.state = ?)", string(q.State))
	}
	if q.Audience != "" {
		c.where("a.audience = ?", string(q.Audience))
	}
	if len(q.Audiences) > 0 {
		c.where("a.audience IN ?", audienceList(q.Audiences))
	}
	return c
}

// audienceList returns the audiences as strings for an IN clause.
func audienceList(as []models.Audience) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

func normalizeTag(t string) string { return strings.ToLower(strings.TrimSpace(t)) }

// queryable reports whether every value can be sent to both databases as
// text: PostgreSQL refuses NUL bytes and invalid UTF-8 with an error, and no
// stored slug or tag contains them, so such a value simply matches nothing.
func queryable(values ...string) bool {
	for _, v := range values {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return false
		}
	}
	return true
}

// SearchCatalog returns one page of the catalog: API products with at least
// one listed version that match every filter of q. Q matches words (as
// prefixes, ignoring case, diacritics and plural endings) of the API's name,
// summary, description and tags and of its listed versions' titles,
// descriptions, operation tags, summaries, operationIds and paths; Tag
// matches API and operation tags; State matches APIs with a listed version in
// that state. With Q, entries are ordered by relevance (the best 10,000
// matches count); otherwise featured entries come first, then by name.
//
// Page is 1-based; PerPage defaults to 12 and is capped at 100. A page past
// the end is empty and still reports the Total. The facets count the
// matching entries per subsidiary and per product tag (the 20 most common,
// plus the chosen tag), each ignoring its own filter. Any input is safe:
// values are bound parameters and Q never reaches the database as search
// syntax.
func (s *Store) SearchCatalog(ctx context.Context, q models.CatalogQuery) (models.CatalogPage, error) {
	page := models.CatalogPage{Page: max(q.Page, 1), PerPage: q.PerPage}
	if page.PerPage <= 0 {
		page.PerPage = DefaultPerPage
	}
	page.PerPage = min(page.PerPage, MaxPerPage)
	if q.State != "" && !q.State.Listed() {
		return page, nil // drafts and versions in review are never in the catalog
	}
	if !queryable(q.Subsidiary, q.Tag, string(q.Audience)) {
		return page, nil // no slug or tag holds a NUL or invalid UTF-8
	}
	terms := queryTerms(q.Q)
	db := s.read(ctx)

	// The full-text match runs once; the count, the page and the facets
	// reuse its result.
	var matched []int64
	if len(terms) > 0 {
		var err error
		if matched, err = s.matchText(db, terms); err != nil {
			return page, translate("search catalog text", "catalog", err)
		}
		if len(matched) == 0 {
			return page, nil
		}
	}

	sql, args := s.catalogFilter(q, matched, false, exceptNone).query("COUNT(*)", "")
	var total int64
	if err := db.Raw(sql, args...).Scan(&total).Error; err != nil {
		return page, translate("count catalog", "catalog", err)
	}
	page.Total = int(total)

	if offset := (page.Page - 1); total > 0 && offset < (page.Total+page.PerPage-1)/page.PerPage {
		order := catalogOrders["name"]
		if matched != nil {
			order = catalogOrders["relevance/"+s.dialect]
		}
		sql, args := s.catalogFilter(q, matched, matched != nil, exceptNone).
			query("a.id", "ORDER BY "+order+" LIMIT ? OFFSET ?", page.PerPage, offset*page.PerPage)
		var ids []int64
		if err := db.Raw(sql, args...).Scan(&ids).Error; err != nil {
			return page, translate("search catalog", "catalog", err)
		}
		entries, err := loadEntries(db, ids)
		if err != nil {
			return page, translate("load catalog entries", "catalog", err)
		}
		page.Entries = entries
	}

	var err error
	if page.Subsidiaries, err = s.subsidiaryFacet(db, q, matched); err != nil {
		return page, translate("count catalog subsidiaries", "catalog", err)
	}
	if page.Tags, err = s.tagFacet(db, q, matched); err != nil {
		return page, translate("count catalog tags", "catalog", err)
	}
	return page, nil
}

// subsidiaryFacet counts the matching entries per subsidiary, ignoring the
// subsidiary filter, in name order.
func (s *Store) subsidiaryFacet(db *gorm.DB, q models.CatalogQuery, matched []int64) ([]models.Facet, error) {
	c := s.catalogFilter(q, matched, false, exceptSubsidiary)
	c.join("JOIN subsidiaries sub ON sub.id = a.subsidiary_id")
	sql, args := c.query("sub.slug AS value, sub.name AS label, COUNT(*) AS count",
		"GROUP BY sub.slug, sub.name ORDER BY lower(sub.name), sub.slug")
	var out []models.Facet
	err := db.Raw(sql, args...).Scan(&out).Error
	return out, err
}

// tagFacet counts the matching entries per product tag (the APIs' own
// tags, not their documents' operation tags), ignoring the tag filter: the
// most common first, and the chosen tag (of either kind) always included.
func (s *Store) tagFacet(db *gorm.DB, q models.CatalogQuery, matched []int64) ([]models.Facet, error) {
	c := s.catalogFilter(q, matched, false, exceptTag)
	var sql string
	var args []any
	if len(c.conds) == 0 && len(c.joins) == 0 {
		// catalog_tags holds rows only for APIs in the catalog, so the
		// facet of the whole catalog needs no join.
		sql = "SELECT tag AS value, MIN(label) AS label, COUNT(*) AS count FROM catalog_tags WHERE api_tag = TRUE " +
			"GROUP BY tag ORDER BY COUNT(*) DESC, tag LIMIT ?"
		args = []any{tagFacetLimit}
	} else {
		// IN rather than a join: SQLite would otherwise walk the facet
		// index and scan the list of matches for every tag.
		sub, subArgs := c.query("a.id", "")
		sql = "SELECT tag AS value, MIN(label) AS label, COUNT(*) AS count FROM catalog_tags WHERE api_tag = TRUE AND api_id IN (" + sub + ") " +
			"GROUP BY tag ORDER BY COUNT(*) DESC, tag LIMIT ?"
		args = append(subArgs, tagFacetLimit)
	}
	var out []models.Facet
	if err := db.Raw(sql, args...).Scan(&out).Error; err != nil {
		return nil, err
	}
	chosen := normalizeTag(q.Tag)
	if chosen == "" || slices.ContainsFunc(out, func(f models.Facet) bool { return f.Value == chosen }) {
		return out, nil
	}
	c = s.catalogFilter(q, matched, false, exceptTag)
	c.join("JOIN catalog_tags t ON t.api_id = a.id AND t.tag = ?", chosen)
	sql, args = c.query("t.tag AS value, MIN(t.label) AS label, COUNT(*) AS count", "GROUP BY t.tag")
	var extra []models.Facet
	if err := db.Raw(sql, args...).Scan(&extra).Error; err != nil {
		return nil, err
	}
	return append(out, extra...), nil
}

// ListFeatured returns up to limit featured catalog entries in name order
// (limit ≤ 0 means 6; at most 100). With audiences, only APIs of those
// audiences are listed (what the viewer may see); without, all are.
func (s *Store) ListFeatured(ctx context.Context, limit int, audiences ...models.Audience) ([]models.CatalogEntry, error) {
	if limit <= 0 {
		limit = defaultFeatured
	}
	limit = min(limit, MaxPerPage)
	db := s.read(ctx)
	c := &catalogSQL{}
	c.where("a.featured = ?", true)
	if len(audiences) > 0 {
		c.where("a.audience IN ?", audienceList(audiences))
	}
	sql, args := c.query("a.id", "ORDER BY "+catalogOrders["name"]+" LIMIT ?", limit)
	var ids []int64
	if err := db.Raw(sql, args...).Scan(&ids).Error; err != nil {
		return nil, translate("list featured APIs", "featured APIs", err)
	}
	entries, err := loadEntries(db, ids)
	if err != nil {
		return nil, translate("load featured APIs", "featured APIs", err)
	}
	return entries, nil
}

// versionListColumns are the api_versions columns lists need: all but the
// warnings, which only a version's own page shows.
var versionListColumns = []string{"id", "api_id", "version", "slug", "state", "open_api_version", "format", "root_path",
	"document_hash", "title", "description", "servers", "tags", "operation_count", "base_path", "upstream_url",
	"deprecated_at", "sunset_at", "created_at", "updated_at"}

// loadEntries returns the catalog entries of the APIs, in the order of ids.
func loadEntries(db *gorm.DB, ids []int64) ([]models.CatalogEntry, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var apis []models.API
	if err := db.Where("id IN ?", ids).Find(&apis).Error; err != nil {
		return nil, err
	}
	var rows []entryRow
	if err := db.Where("api_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	current := make([]int64, len(rows))
	for i, r := range rows {
		current[i] = r.CurrentVersionID
	}
	var versions []models.APIVersion
	if err := db.Select(versionListColumns).Where("id IN ?", current).Find(&versions).Error; err != nil {
		return nil, err
	}
	subIDs := make([]int64, 0, len(apis))
	for _, a := range apis {
		if !slices.Contains(subIDs, a.SubsidiaryID) {
			subIDs = append(subIDs, a.SubsidiaryID)
		}
	}
	var subs []models.Subsidiary
	if err := db.Where("id IN ?", subIDs).Find(&subs).Error; err != nil {
		return nil, err
	}

	apiByID := make(map[int64]models.API, len(apis))
	for _, a := range apis {
		apiByID[a.ID] = a
	}
	rowByAPI := make(map[int64]entryRow, len(rows))
	for _, r := range rows {
		rowByAPI[r.APIID] = r
	}
	versionByID := make(map[int64]models.APIVersion, len(versions))
	for _, v := range versions {
		versionByID[v.ID] = v
	}
	subByID := make(map[int64]models.Subsidiary, len(subs))
	for _, sub := range subs {
		subByID[sub.ID] = sub
	}
	out := make([]models.CatalogEntry, 0, len(ids))
	for _, id := range ids {
		a, ok := apiByID[id]
		r, ok2 := rowByAPI[id]
		if !ok || !ok2 {
			continue // removed between the queries
		}
		out = append(out, models.CatalogEntry{
			API:        a,
			Subsidiary: subByID[a.SubsidiaryID],
			Current:    versionByID[r.CurrentVersionID],
			States:     r.States,
			Versions:   r.VersionCount,
		})
	}
	return out, nil
}

// FindAPIProduct returns the API with its subsidiary and its listed
// versions, newest first. It returns NotFound when the API does not exist
// or has no listed version (drafts are invisible).
func (s *Store) FindAPIProduct(ctx context.Context, subsidiary, api string) (models.APIProduct, error) {
	p, err := findProduct(s.read(ctx), subsidiary, api)
	if err != nil {
		return models.APIProduct{}, translate("find API "+subsidiary+"/"+api, fmt.Sprintf("API %s/%s", subsidiary, api), err)
	}
	return p, nil
}

func findProduct(db *gorm.DB, subsidiary, api string) (models.APIProduct, error) {
	var p models.APIProduct
	if !queryable(subsidiary, api) {
		return p, gorm.ErrRecordNotFound
	}
	var sub []models.Subsidiary
	if err := db.Where("slug = ?", subsidiary).Limit(1).Find(&sub).Error; err != nil {
		return p, err
	}
	if len(sub) == 0 {
		return p, gorm.ErrRecordNotFound
	}
	p.Subsidiary = sub[0]
	if err := db.Where("subsidiary_id = ? AND slug = ?", p.Subsidiary.ID, api).Take(&p.API).Error; err != nil {
		return p, err
	}
	if err := db.Where("api_id = ? AND state IN ?", p.API.ID, listedStates()).Find(&p.Versions).Error; err != nil {
		return p, err
	}
	if len(p.Versions) == 0 {
		return p, gorm.ErrRecordNotFound
	}
	slices.SortFunc(p.Versions, func(a, b models.APIVersion) int { return models.CompareVersions(b.Version, a.Version) })
	return p, nil
}

// FindVersion returns the API product (as FindAPIProduct) and its listed
// version with the slug. It returns NotFound when either does not exist or
// the version is not listed.
func (s *Store) FindVersion(ctx context.Context, subsidiary, api, version string) (models.APIProduct, models.APIVersion, error) {
	what := fmt.Sprintf("API %s/%s version %s", subsidiary, api, version)
	p, err := findProduct(s.read(ctx), subsidiary, api)
	if err != nil {
		return models.APIProduct{}, models.APIVersion{}, translate("find version "+what, what, err)
	}
	for _, v := range p.Versions {
		if v.Slug == version {
			return p, v, nil
		}
	}
	return models.APIProduct{}, models.APIVersion{}, models.Errorf(models.NotFound, "%s not found", what)
}

// VersionDocument returns the single-file form of a version's document, as
// served for download. NotFound when the version does not exist.
func (s *Store) VersionDocument(ctx context.Context, versionID int64) ([]byte, error) {
	var row documentRow
	err := s.read(ctx).Select("api_version_id", "document").Where("api_version_id = ?", versionID).Take(&row).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("read document of version %d", versionID), "API version", err)
	}
	return row.Document, nil
}

// VersionRenderModel returns the stored render model of a version, nil when
// none was stored. NotFound when the version does not exist.
func (s *Store) VersionRenderModel(ctx context.Context, versionID int64) ([]byte, error) {
	var row documentRow
	err := s.read(ctx).Select("api_version_id", "render_model").Where("api_version_id = ?", versionID).Take(&row).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("read render model of version %d", versionID), "API version", err)
	}
	return row.RenderModel, nil
}

// VersionFiles returns the bundle of a version as uploaded, in upload order.
// NotFound when the version does not exist.
func (s *Store) VersionFiles(ctx context.Context, versionID int64) ([]models.SpecFile, error) {
	db := s.read(ctx)
	var n int64
	if err := db.Model(&models.APIVersion{}).Where("id = ?", versionID).Count(&n).Error; err != nil {
		return nil, translate(fmt.Sprintf("read files of version %d", versionID), "API version", err)
	}
	if n == 0 {
		return nil, models.Errorf(models.NotFound, "API version not found")
	}
	var rows []fileRow
	if err := db.Where("api_version_id = ?", versionID).Order("position").Find(&rows).Error; err != nil {
		return nil, translate(fmt.Sprintf("read files of version %d", versionID), "API version", err)
	}
	out := make([]models.SpecFile, len(rows))
	for i, r := range rows {
		out[i] = models.SpecFile{Path: r.Path, Content: r.Content}
	}
	return out, nil
}

// SaveRenderModel replaces the cached render model of a version (after a
// newer Portico changed the model's shape). NotFound when the version does
// not exist.
func (s *Store) SaveRenderModel(ctx context.Context, versionID int64, model []byte) error {
	res := s.write(ctx).Model(&documentRow{}).Where("api_version_id = ?", versionID).Update("render_model", model)
	if res.Error != nil {
		return translate(fmt.Sprintf("save render model of version %d", versionID), "API version", res.Error)
	}
	if res.RowsAffected == 0 {
		return models.Errorf(models.NotFound, "API version not found")
	}
	return nil
}
