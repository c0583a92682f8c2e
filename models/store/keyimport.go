package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
)

// ImportedKey is a key issued elsewhere (another gateway, a key map) that
// Portico takes over as a single API key of an application, known only by
// its digest.
type ImportedKey struct {
	Application string // name of the owner's application that holds it
	Prefix      string // non-secret start, to recognize it
	Digest      []byte // credentials.Hasher digest
}

// KeyImport says what ImportKeys did.
type KeyImport struct {
	AppsCreated   int
	Subscribed    int
	KeysImported  int
	KeysPresent   int // already imported before: left as they were
	PlanName      string
	ApplicationsN int
}

// importBatch is how many rows go into one INSERT.
const importBatch = 500

// ImportKeys takes over existing API keys, in one transaction: for each
// application name it finds the owner's application of that name or
// creates it, subscribes it (active) to the plan, and stores each key
// whose digest is new as an api_key credential. Running it again with the
// same file changes nothing. It is for operators migrating from another
// gateway (the command line), so it does not check roles; the audit trail
// records one "credentials.import" event.
func (s *Store) ImportKeys(ctx context.Context, actor models.Actor, ownerID, planID int64, keys []ImportedKey) (KeyImport, error) {
	var out KeyImport
	for i, k := range keys {
		if strings.TrimSpace(k.Application) == "" {
			return out, models.Errorf(models.Invalid, "key %d has no application name", i+1)
		}
		if len(k.Digest) != models.DigestLen {
			return out, models.Errorf(models.Invalid, "key %d: digest has %d bytes; want %d", i+1, len(k.Digest), models.DigestLen)
		}
	}
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		var plan models.Plan
		if err := tx.Where("id = ?", planID).Take(&plan).Error; err != nil {
			return translate("find plan", "Plan", err)
		}
		out.PlanName = plan.Name
		var owner models.User
		if err := tx.Where("id = ?", ownerID).Take(&owner).Error; err != nil {
			return translate("find owner", "User", err)
		}
		apps := map[string]models.Application{}
		var existing []models.Application
		if err := tx.Where("owner_user_id = ?", ownerID).Find(&existing).Error; err != nil {
			return err
		}
		for _, app := range existing {
			apps[app.Name] = app
		}
		now := time.Now().UTC()
		var created []*models.Application
		for _, k := range keys {
			name := strings.TrimSpace(k.Application)
			if _, ok := apps[name]; ok {
				continue
			}
			app := models.Application{
				OwnerUserID: &ownerID, Name: name, Status: models.ApplicationActive,
				IPAllowlist: []string{}, AppID: credentials.NewAppID(), CreatedAt: now, UpdatedAt: now,
			}
			if err := app.Validate(); err != nil {
				return err
			}
			apps[name] = app
			created = append(created, &app)
		}
		if len(created) > 0 {
			if err := tx.CreateInBatches(created, importBatch).Error; err != nil {
				return fmt.Errorf("create applications: %w", err)
			}
			for _, app := range created {
				apps[app.Name] = *app
			}
		}
		out.AppsCreated, out.ApplicationsN = len(created), len(apps)

		subscribed := map[int64]bool{}
		var subs []models.Subscription
		if err := tx.Where("api_id = ? AND application_id IN (SELECT id FROM applications WHERE owner_user_id = ?)", plan.APIID, ownerID).Find(&subs).Error; err != nil {
			return err
		}
		for _, sub := range subs {
			subscribed[sub.ApplicationID] = true
		}
		var newSubs []*models.Subscription
		seenApp := map[int64]bool{}
		for _, k := range keys {
			app := apps[strings.TrimSpace(k.Application)]
			if subscribed[app.ID] || seenApp[app.ID] {
				continue
			}
			seenApp[app.ID] = true
			newSubs = append(newSubs, &models.Subscription{
				ApplicationID: app.ID, APIID: plan.APIID, PlanID: plan.ID, State: models.SubscriptionActive,
				RequestedBy: ownerID, DecisionComment: "imported with its keys", DecidedAt: &now, CreatedAt: now, UpdatedAt: now,
			})
		}
		if len(newSubs) > 0 {
			if err := tx.CreateInBatches(newSubs, importBatch).Error; err != nil {
				return fmt.Errorf("subscribe applications: %w", err)
			}
		}
		out.Subscribed = len(newSubs)

		present := map[string]bool{}
		var digests [][]byte
		if err := tx.Table("credentials").Where("application_id IN (SELECT id FROM applications WHERE owner_user_id = ?)", ownerID).Pluck("digest", &digests).Error; err != nil {
			return err
		}
		for _, d := range digests {
			present[string(d)] = true
		}
		var creds []*models.Credential
		for _, k := range keys {
			if present[string(k.Digest)] {
				out.KeysPresent++
				continue
			}
			present[string(k.Digest)] = true
			c := models.Credential{
				ApplicationID: apps[strings.TrimSpace(k.Application)].ID, Name: "imported", Prefix: k.Prefix,
				Digest: k.Digest, Kind: models.CredentialAPIKey, CreatedAt: now,
			}
			if err := c.Validate(); err != nil {
				return err
			}
			creds = append(creds, &c)
		}
		if len(creds) > 0 {
			if err := tx.CreateInBatches(creds, importBatch).Error; err != nil {
				return fmt.Errorf("store keys: %w", err)
			}
		}
		out.KeysImported = len(creds)
		a.record("credentials.import", "", "plan:"+strconv.FormatInt(plan.ID, 10), nil, map[string]any{
			"owner": owner.Email, "applications_created": out.AppsCreated, "subscribed": out.Subscribed,
			"keys_imported": out.KeysImported, "keys_present": out.KeysPresent,
		})
		return nil
	})
	if err != nil {
		return KeyImport{}, translate("import keys", "Credential", err)
	}
	return out, nil
}
