package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/portico/portico/models"
)

// ImportVersion stores a new API version of the subsidiary with the given
// slug, in one transaction: all or nothing. It creates the API
// (imp.APISlug) when it does not exist yet.
//
// Versions are immutable: importing a version slug the API already has
// returns Unchanged when the document hash is the same (and writes nothing)
// and Conflict when it differs. When the new version is listed and is the
// API's newest listed version (models.CompareVersions), the API's name,
// summary, description, tags, audience and featured flag are refreshed from
// the import. Only the fields of imp are read; IDs and timestamps come from
// the store.
//
// Errors: Invalid (imp fails Validate), NotFound (no such subsidiary),
// Conflict (a different document under the same version).
func (s *Store) ImportVersion(ctx context.Context, subsidiary string, imp models.VersionImport) (models.ImportResult, error) {
	if imp.VersionSlug == "" {
		imp.VersionSlug = models.VersionSlug(imp.Version)
	}
	if err := imp.Validate(); err != nil {
		return models.ImportResult{}, err
	}
	var res models.ImportResult
	err := s.write(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		res, err = importVersion(tx, subsidiary, imp)
		return err
	})
	if err != nil {
		return models.ImportResult{}, translate("import "+subsidiary+"/"+imp.APISlug+" "+imp.Version,
			fmt.Sprintf("%s/%s version %s", subsidiary, imp.APISlug, imp.Version), err)
	}
	return res, nil
}

func importVersion(tx *gorm.DB, subsidiary string, imp models.VersionImport) (models.ImportResult, error) {
	res := models.ImportResult{Subsidiary: subsidiary}
	sub, err := findSubsidiary(tx, subsidiary)
	if err != nil {
		return res, err
	}
	api, created, err := ensureAPI(tx, sub.ID, imp)
	if err != nil {
		return res, err
	}
	res.API, res.CreatedAPI = api, created
	if err := lockAPI(tx, api.ID); err != nil {
		return res, err
	}

	var existing []models.APIVersion
	if err := tx.Where("api_id = ? AND slug = ?", api.ID, imp.VersionSlug).Limit(1).Find(&existing).Error; err != nil {
		return res, err
	}
	if len(existing) > 0 {
		v := existing[0]
		if v.DocumentHash == imp.DocumentHash {
			res.Version, res.Unchanged = v, true
			return res, nil
		}
		return res, models.Errorf(models.Conflict,
			"%s/%s version %s already exists with a different document; versions are immutable — change info.version to publish a new one",
			sub.Slug, api.Slug, v.Version)
	}

	v := models.APIVersion{
		APIID:          api.ID,
		Version:        imp.Version,
		Slug:           imp.VersionSlug,
		State:          imp.State,
		OpenAPIVersion: imp.OpenAPIVersion,
		Format:         imp.Format,
		RootPath:       imp.RootPath,
		DocumentHash:   imp.DocumentHash,
		Title:          imp.Title,
		Description:    imp.Description,
		Servers:        imp.Servers,
		Tags:           operationTags(imp.Operations),
		OperationCount: len(imp.Operations),
		Warnings:       imp.Warnings,
	}
	if err := tx.Create(&v).Error; err != nil {
		return res, err
	}
	if err := tx.Create(&documentRow{APIVersionID: v.ID, Document: imp.Document, RenderModel: imp.RenderModel}).Error; err != nil {
		return res, err
	}
	files := make([]fileRow, len(imp.Files))
	for i, f := range imp.Files {
		content := f.Content
		if content == nil {
			content = []byte{} // an empty file is a file, not a missing one
		}
		files[i] = fileRow{APIVersionID: v.ID, Position: i, Path: f.Path, Content: content}
	}
	if err := tx.CreateInBatches(files, 20).Error; err != nil {
		return res, err
	}
	if len(imp.Operations) > 0 {
		ops := make([]operationRow, len(imp.Operations))
		for i, op := range imp.Operations {
			ops[i] = operationRow{APIVersionID: v.ID, Position: i, Method: strings.ToUpper(cleanText(op.Method)), Path: cleanText(op.Path),
				OperationID: cleanText(op.OperationID), Summary: cleanText(op.Summary), Tags: op.Tags}
		}
		if err := tx.CreateInBatches(ops, 100).Error; err != nil {
			return res, err
		}
	}
	res.Version = v

	if !created && v.State.Listed() {
		newest, err := newestListed(tx, api.ID, v)
		if err != nil {
			return res, err
		}
		if newest {
			// Select lists the columns so that zero values (not featured, no
			// summary) are written too, and nothing else is.
			err := tx.Model(&models.API{ID: api.ID}).
				Select("name", "summary", "description", "tags", "audience", "featured", "updated_at").
				Updates(&models.API{
					Name:        imp.APIName,
					Summary:     imp.APISummary,
					Description: imp.APIDescription,
					Tags:        imp.Tags,
					Audience:    imp.Audience,
					Featured:    imp.Featured,
				}).Error
			if err != nil {
				return res, err
			}
			if err := tx.Take(&res.API, api.ID).Error; err != nil {
				return res, err
			}
		}
	}
	return res, refreshCatalog(tx, api.ID)
}

// ensureAPI returns the API with imp.APISlug in the subsidiary, creating it
// from imp when missing.
func ensureAPI(tx *gorm.DB, subsidiaryID int64, imp models.VersionImport) (models.API, bool, error) {
	var found []models.API
	if err := tx.Where("subsidiary_id = ? AND slug = ?", subsidiaryID, imp.APISlug).Limit(1).Find(&found).Error; err != nil {
		return models.API{}, false, err
	}
	if len(found) > 0 {
		return found[0], false, nil
	}
	api := models.API{
		SubsidiaryID: subsidiaryID,
		Slug:         imp.APISlug,
		Name:         imp.APIName,
		Summary:      imp.APISummary,
		Description:  imp.APIDescription,
		Audience:     imp.Audience,
		Tags:         imp.Tags,
		Featured:     imp.Featured,
	}
	// A concurrent import may create the same API first (PostgreSQL runs
	// them in parallel); then this one uses that row.
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&api)
	if res.Error != nil {
		return models.API{}, false, res.Error
	}
	if res.RowsAffected == 0 {
		err := tx.Where("subsidiary_id = ? AND slug = ?", subsidiaryID, imp.APISlug).Take(&api).Error
		return api, false, err
	}
	return api, true, nil
}

// lockAPI serializes writers of one API until the transaction ends, so that
// concurrent imports of versions of the same API on PostgreSQL see each
// other's versions when they recompute the catalog (and the second import of
// one version finds the first instead of tripping on the unique key). On
// SQLite, BEGIN IMMEDIATE already serializes every write transaction.
func lockAPI(tx *gorm.DB, apiID int64) error {
	if tx.Dialector.Name() != DialectPostgres {
		return nil
	}
	var id int64
	return tx.Raw("SELECT id FROM apis WHERE id = ? FOR UPDATE", apiID).Scan(&id).Error
}

// newestListed reports whether v is newer than every other listed version of
// the API.
func newestListed(tx *gorm.DB, apiID int64, v models.APIVersion) (bool, error) {
	var others []string
	err := tx.Model(&models.APIVersion{}).
		Where("api_id = ? AND id <> ? AND state IN ?", apiID, v.ID, listedStates()).
		Pluck("version", &others).Error
	if err != nil {
		return false, err
	}
	for _, o := range others {
		if models.CompareVersions(v.Version, o) <= 0 {
			return false, nil
		}
	}
	return true, nil
}

// operationTags returns the distinct tags of the operations in order of
// first appearance: the document's tags as far as the catalog cares.
func operationTags(ops []models.OperationSummary) []string {
	var out []string
	seen := map[string]bool{}
	for _, op := range ops {
		for _, t := range op.Tags {
			t = strings.TrimSpace(cleanText(t))
			if t != "" && !seen[t] && len(out) < 200 {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// refreshCatalog recomputes what the catalog shows of an API from its listed
// versions: the current version, the version count and states, the tags and
// the search text. An API without listed versions leaves the catalog. Every
// change of a version's state or of the API must call it in the same
// transaction, after lockAPI.
func refreshCatalog(tx *gorm.DB, apiID int64) error {
	var api models.API
	if err := tx.Take(&api, apiID).Error; err != nil {
		return err
	}
	var versions []models.APIVersion
	err := tx.Select("id", "version", "state", "title", "description", "tags").
		Where("api_id = ? AND state IN ?", apiID, listedStates()).
		Find(&versions).Error
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		for _, m := range []any{&entryRow{}, &tagRow{}, &searchRow{}} {
			if err := tx.Where("api_id = ?", apiID).Delete(m).Error; err != nil {
				return err
			}
		}
		return nil
	}
	// Newest first, so the first version of each state is its newest.
	slices.SortFunc(versions, func(a, b models.APIVersion) int { return models.CompareVersions(b.Version, a.Version) })

	entry := entryRow{APIID: apiID, VersionCount: len(versions)}
	for _, st := range models.ListedStates {
		for _, v := range versions {
			if v.State == st {
				if entry.CurrentVersionID == 0 {
					entry.CurrentVersionID = v.ID
				}
				entry.States = append(entry.States, st)
				break
			}
		}
	}
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "api_id"}}, UpdateAll: true}).Create(&entry).Error; err != nil {
		return err
	}

	// Tags: the API's, then the listed versions'; one row per lower-cased tag.
	if err := tx.Where("api_id = ?", apiID).Delete(&tagRow{}).Error; err != nil {
		return err
	}
	var tags []tagRow
	seen := map[string]bool{}
	addTags := func(list []string, product bool) {
		for _, t := range list {
			t = strings.TrimSpace(t)
			key := strings.ToLower(t)
			if key != "" && !seen[key] {
				seen[key] = true
				tags = append(tags, tagRow{APIID: apiID, Tag: key, Label: t, APITag: product})
			}
		}
	}
	addTags(api.Tags, true)
	for _, v := range versions {
		addTags(v.Tags, false)
	}
	if len(tags) > 0 {
		if err := tx.CreateInBatches(tags, 100).Error; err != nil {
			return err
		}
	}

	// Search text.
	ids := make([]int64, len(versions))
	var versionText []string
	for i, v := range versions {
		ids[i] = v.ID
		versionText = append(versionText, v.Title, v.Description)
		versionText = append(versionText, v.Tags...)
	}
	var ops []operationRow
	if err := tx.Select("path", "operation_id", "summary").Where("api_version_id IN ?", ids).Order("api_version_id DESC, position").Find(&ops).Error; err != nil {
		return err
	}
	opText := make([]string, 0, 3*len(ops))
	for _, op := range ops {
		opText = append(opText, op.Summary, op.OperationID, op.Path)
	}
	row := searchRow{
		APIID:       apiID,
		Name:        searchText(api.Name),
		Summary:     searchText(api.Summary),
		Tags:        searchWords(labels(tags)...),
		Description: searchText(api.Description),
		Versions:    searchWords(versionText...),
		Operations:  searchWords(opText...),
	}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "api_id"}}, UpdateAll: true}).Create(&row).Error
}

func labels(tags []tagRow) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Label
	}
	return out
}

// cleanText makes document text storable on both dialects: PostgreSQL
// refuses NUL characters and invalid UTF-8 in TEXT columns.
func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
