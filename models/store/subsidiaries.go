package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/portico/portico/models"
)

// EnsureSubsidiary creates the subsidiary with sub.Slug, or updates the name
// and description of the existing one, and returns it as stored. Only Slug,
// Name and Description are read from sub. It returns Invalid for a bad slug
// or name. Callers: the CLI, demo loading and admins.
func (s *Store) EnsureSubsidiary(ctx context.Context, sub models.Subsidiary) (models.Subsidiary, error) {
	in := models.Subsidiary{
		Slug:        strings.TrimSpace(sub.Slug),
		Name:        strings.TrimSpace(sub.Name),
		Description: sub.Description,
	}
	if err := in.Validate(); err != nil {
		return models.Subsidiary{}, err
	}
	var out models.Subsidiary
	err := s.write(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "slug"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "description"}),
		}).Create(&in).Error
		if err != nil {
			return err
		}
		return tx.Where("slug = ?", in.Slug).Take(&out).Error
	})
	if err != nil {
		return models.Subsidiary{}, translate("ensure subsidiary "+in.Slug, fmt.Sprintf("subsidiary %q", in.Slug), err)
	}
	return out, nil
}

// FindSubsidiary returns the subsidiary with the slug, or NotFound.
func (s *Store) FindSubsidiary(ctx context.Context, slug string) (models.Subsidiary, error) {
	return findSubsidiary(s.read(ctx), slug)
}

func findSubsidiary(db *gorm.DB, slug string) (models.Subsidiary, error) {
	var sub models.Subsidiary
	err := gorm.ErrRecordNotFound
	if queryable(slug) {
		err = db.Where("slug = ?", slug).Take(&sub).Error
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sub, models.Errorf(models.NotFound, "subsidiary %q does not exist", slug)
	}
	if err != nil {
		return sub, translate("find subsidiary "+slug, fmt.Sprintf("subsidiary %q", slug), err)
	}
	return sub, nil
}

// ListSubsidiaries returns every subsidiary ordered by name, each with the
// number of its APIs that appear in the catalog (that have a listed
// version). With audiences, only APIs of those audiences are counted (what
// the viewer may see); without, all are.
func (s *Store) ListSubsidiaries(ctx context.Context, audiences ...models.Audience) ([]models.SubsidiarySummary, error) {
	db := s.read(ctx)
	var subs []models.Subsidiary
	if err := db.Order("lower(name), id").Find(&subs).Error; err != nil {
		return nil, translate("list subsidiaries", "subsidiaries", err)
	}
	var counts []struct {
		SubsidiaryID int64
		N            int
	}
	c := &catalogSQL{}
	if len(audiences) > 0 {
		c.where("a.audience IN ?", audienceList(audiences))
	}
	sql, args := c.query("a.subsidiary_id AS subsidiary_id, COUNT(*) AS n", "GROUP BY a.subsidiary_id")
	err := db.Raw(sql, args...).Scan(&counts).Error
	if err != nil {
		return nil, translate("count subsidiary APIs", "subsidiaries", err)
	}
	byID := make(map[int64]int, len(counts))
	for _, c := range counts {
		byID[c.SubsidiaryID] = c.N
	}
	out := make([]models.SubsidiarySummary, len(subs))
	for i, sub := range subs {
		out[i] = models.SubsidiarySummary{Subsidiary: sub, APICount: byID[sub.ID]}
	}
	return out, nil
}

// PortalSettings returns the portal-wide texts; the zero value when they
// were never saved.
func (s *Store) PortalSettings(ctx context.Context) (models.PortalSettings, error) {
	var rows []settingsRow
	if err := s.read(ctx).Where("id = 1").Limit(1).Find(&rows).Error; err != nil {
		return models.PortalSettings{}, translate("read portal settings", "portal settings", err)
	}
	if len(rows) == 0 {
		return models.PortalSettings{}, nil
	}
	r := rows[0]
	return models.PortalSettings{GroupName: r.GroupName, GroupTagline: r.GroupTagline, GroupAbout: r.GroupAbout}, nil
}

// SavePortalSettings replaces the portal-wide texts. It returns Invalid for
// texts over their limits. Callers: demo loading and admins.
func (s *Store) SavePortalSettings(ctx context.Context, p models.PortalSettings) error {
	if err := p.Validate(); err != nil {
		return err
	}
	row := settingsRow{ID: 1, GroupName: strings.TrimSpace(p.GroupName), GroupTagline: strings.TrimSpace(p.GroupTagline), GroupAbout: p.GroupAbout}
	err := s.write(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"group_name", "group_tagline", "group_about", "updated_at"}),
	}).Create(&row).Error
	return translate("save portal settings", "portal settings", err)
}
