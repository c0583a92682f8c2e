package store

import (
	"context"
	"strings"

	"github.com/portico/portico/models"
)

// AdminApplication is an application as the platform admin's list shows
// it: with its owner's email or its team's name.
type AdminApplication struct {
	models.Application
	OwnerEmail string // the owning user's, "" for team applications
	TeamName   string // the owning team's, "" for personal applications
}

// ListAllApplications returns one page of every application, searched by
// name or app_id (case-insensitive substring), by name, with the total
// number of matches. It is for platform admins: callers authorize.
func (s *Store) ListAllApplications(ctx context.Context, q string, page, perPage int) ([]AdminApplication, int, error) {
	db := s.read(ctx).Table("applications").
		Joins("LEFT JOIN users ON users.id = applications.owner_user_id").
		Joins("LEFT JOIN teams ON teams.id = applications.owner_team_id")
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		like := "%" + escapeLike(q) + "%"
		db = db.Where(`(lower(applications.name) LIKE ? ESCAPE '\' OR lower(applications.app_id) LIKE ? ESCAPE '\' OR lower(users.email) LIKE ? ESCAPE '\' OR lower(teams.name) LIKE ? ESCAPE '\')`, like, like, like, like)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, translate("count applications", "applications", err)
	}
	page, perPage = paging(page, perPage)
	out := []AdminApplication{}
	err := db.Select("applications.*, COALESCE(users.email, '') AS owner_email, COALESCE(teams.name, '') AS team_name").
		Order("lower(applications.name), applications.id").Offset((page - 1) * perPage).Limit(perPage).
		Scan(&out).Error
	if err != nil {
		return nil, 0, translate("list applications", "applications", err)
	}
	return out, int(total), nil
}
