package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/portico/portico/models"
)

// teamMemberRow is models.TeamMember as stored (without the user's email
// and name, which reads join in).
type teamMemberRow struct {
	TeamID    int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Role      models.TeamRole
	CreatedAt time.Time
}

func (teamMemberRow) TableName() string { return "team_members" }

// CreateTeam creates a consumer team owned by ownerID, who becomes its
// first member with TeamRoleOwner. The name is trimmed and must be 1 to 200
// characters (Invalid otherwise). It returns NotFound for an unknown owner
// and Forbidden for a deactivated one. Audited as "team.create".
func (s *Store) CreateTeam(ctx context.Context, actor models.Actor, ownerID int64, name string) (models.Team, error) {
	name = strings.TrimSpace(name)
	if !models.ValidTeamName(name) {
		return models.Team{}, models.Errorf(models.Invalid, "A team name has 1 to %d characters.", models.MaxNameLen)
	}
	team := models.Team{Name: name, OwnerID: ownerID}
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		owner, err := findUser(tx, ownerID)
		if err != nil {
			return err
		}
		if !owner.Active() {
			return models.Errorf(models.Forbidden, "This account is deactivated.")
		}
		if err := tx.Create(&team).Error; err != nil {
			return err
		}
		if err := tx.Create(&teamMemberRow{TeamID: team.ID, UserID: ownerID, Role: models.TeamRoleOwner}).Error; err != nil {
			return err
		}
		a.record("team.create", "", teamTarget(team.ID), nil, map[string]any{"name": name, "owner_id": ownerID})
		return nil
	})
	if err != nil {
		return models.Team{}, translate("create team", "Team", err)
	}
	return team, nil
}

// addTeamMember makes the user a member of the team unless they are one
// ("team.member_add").
func addTeamMember(tx *gorm.DB, a *auditor, teamID, userID int64, role models.TeamRole) error {
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&teamMemberRow{TeamID: teamID, UserID: userID, Role: role})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected > 0 {
		a.record("team.member_add", "", teamTarget(teamID), nil, map[string]any{"user_id": userID, "role": role})
	}
	return nil
}

// ListTeams returns the teams the user is a member of, by name.
func (s *Store) ListTeams(ctx context.Context, userID int64) ([]models.Team, error) {
	teams := []models.Team{}
	err := s.read(ctx).Where("id IN (?)", s.read(ctx).Model(&teamMemberRow{}).Select("team_id").Where("user_id = ?", userID)).
		Order("lower(name), id").Find(&teams).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("list teams of user %d", userID), "teams", err)
	}
	return teams, nil
}

// FindTeam returns the team and its members (the owner first, then by
// email) for a member of the team. A team the user is not a member of is
// NotFound, like one that does not exist.
func (s *Store) FindTeam(ctx context.Context, userID, teamID int64) (models.Team, []models.TeamMember, error) {
	db := s.read(ctx)
	var team models.Team
	err := db.Where("id = ? AND EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = teams.id AND m.user_id = ?)", teamID, userID).
		Take(&team).Error
	if err != nil {
		return models.Team{}, nil, translate(fmt.Sprintf("find team %d", teamID), "Team", err)
	}
	var rows []struct {
		TeamID    int64
		UserID    int64
		Role      models.TeamRole
		CreatedAt time.Time
		Email     string
		Name      string
	}
	err = db.Table("team_members AS m").
		Select("m.team_id, m.user_id, m.role, m.created_at, u.email, u.name").
		Joins("JOIN users u ON u.id = m.user_id").
		Where("m.team_id = ?", teamID).
		Order(clause.OrderBy{Expression: clause.Expr{SQL: "CASE WHEN m.role = ? THEN 0 ELSE 1 END, u.email", Vars: []any{models.TeamRoleOwner}}}).
		Scan(&rows).Error
	if err != nil {
		return models.Team{}, nil, translate(fmt.Sprintf("list members of team %d", teamID), "Team", err)
	}
	members := make([]models.TeamMember, len(rows))
	for i, r := range rows {
		members[i] = models.TeamMember{TeamID: r.TeamID, UserID: r.UserID, Role: r.Role, CreatedAt: r.CreatedAt, Email: r.Email, Name: r.Name}
	}
	return team, members, nil
}

// RemoveTeamMember removes the user from the team. Only the team's owner
// may: for anyone else, as for an unknown team or a user who is not a
// member, it returns NotFound. The owner cannot remove themselves
// (Invalid). Audited as "team.member_remove".
func (s *Store) RemoveTeamMember(ctx context.Context, actor models.Actor, ownerID, teamID, userID int64) error {
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		var team models.Team
		if err := tx.Where("id = ? AND owner_id = ?", teamID, ownerID).Take(&team).Error; err != nil {
			return translate(fmt.Sprintf("find team %d", teamID), "Team", err)
		}
		if userID == ownerID {
			return models.Errorf(models.Invalid, "The owner cannot leave the team.")
		}
		var m teamMemberRow
		if err := tx.Where("team_id = ? AND user_id = ?", teamID, userID).Take(&m).Error; err != nil {
			return translate(fmt.Sprintf("find member %d of team %d", userID, teamID), "Member", err)
		}
		if err := tx.Where("team_id = ? AND user_id = ?", teamID, userID).Delete(&teamMemberRow{}).Error; err != nil {
			return err
		}
		a.record("team.member_remove", "", teamTarget(teamID), map[string]any{"user_id": userID, "role": m.Role}, nil)
		return nil
	})
	return translate(fmt.Sprintf("remove member %d of team %d", userID, teamID), "Team", err)
}
