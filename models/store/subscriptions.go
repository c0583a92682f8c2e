package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/portico/portico/models"
)

// MaxDecisionCommentLen is the longest comment an approver may leave.
const MaxDecisionCommentLen = 2000

func subscriptionAudit(sub models.Subscription) map[string]any {
	return map[string]any{
		"application_id": sub.ApplicationID, "api_id": sub.APIID, "plan_id": sub.PlanID,
		"state": sub.State, "decision_comment": sub.DecisionComment,
	}
}

// Subscribe subscribes an application the viewer may see (else NotFound)
// to a published plan whose audience is one of audiences (what the viewer
// may subscribe to; else the plan is NotFound). The subscription is active
// at once for an automatic plan, or for group staff on an internal plan
// (self-provisioning), else pending for the API's subsidiary admins. An
// existing subscription of the application to the same API changes plan
// (an upgrade or downgrade, following the new plan's approval mode);
// subscribing again to the current plan of an active or pending
// subscription, or changing plan of a suspended one, is Conflict. Audited
// as "subscription.request" or "subscription.change_plan" in the API's
// subsidiary. Partner plans take team-owned applications only (Conflict
// otherwise) and always wait for an approver.
func (s *Store) Subscribe(ctx context.Context, actor models.Actor, viewerID, appID, planID int64, audiences []models.Audience) (models.Subscription, error) {
	var out models.Subscription
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		app, err := findVisibleApp(tx, viewerID, appID)
		if err != nil {
			return err
		}
		var plan models.Plan
		err = tx.Where("id = ? AND state = ? AND audience IN ?", planID, models.PlanPublished, audienceStrings(audiences)).Take(&plan).Error
		if err != nil {
			return translate(fmt.Sprintf("find plan %d", planID), "Plan", err)
		}
		viewer, err := findUser(tx, viewerID)
		if err != nil {
			return err
		}
		if !viewer.Active() {
			return models.Errorf(models.Forbidden, "This account is deactivated.")
		}
		if app.Status != models.ApplicationActive {
			return models.Errorf(models.Conflict, "The application is suspended.")
		}
		if plan.Audience == models.AudiencePartner && app.OwnerTeamID == nil {
			return models.Errorf(models.Conflict, "Partner plans are for consumer teams: create the application for your team to subscribe to this plan.")
		}
		sub, err := apiSubsidiary(tx, plan.APIID, []string{models.GlobalDomain})
		if err != nil {
			return err
		}
		event := models.SubscribeEvent(plan, viewer.Kind)
		var existing []models.Subscription
		if err := tx.Where("application_id = ? AND api_id = ?", appID, plan.APIID).Limit(1).Find(&existing).Error; err != nil {
			return err
		}
		now := s.now()
		if len(existing) == 0 {
			state, err := models.SubscriptionTransition(models.PartyRequester, "", event)
			if err != nil {
				return err
			}
			out = models.Subscription{ApplicationID: appID, APIID: plan.APIID, PlanID: planID, State: state, RequestedBy: viewerID}
			if event == models.EventAutoApprove {
				out.DecidedAt = &now
			}
			if err := tx.Create(&out).Error; err != nil {
				return err
			}
			a.record("subscription.request", sub, subscriptionTarget(out.ID), nil, subscriptionAudit(out))
			return notifySubscription(tx, now, out, viewer.Email)
		}
		before := existing[0]
		if before.PlanID == planID && (before.State == models.SubscriptionActive || before.State == models.SubscriptionPending) {
			return models.Errorf(models.Conflict, "The application is already subscribed to this plan.")
		}
		state, err := models.SubscriptionTransition(models.PartyRequester, before.State, event)
		if err != nil {
			return err
		}
		out = before
		out.PlanID, out.State, out.RequestedBy = planID, state, viewerID
		out.DecidedBy, out.DecisionComment, out.DecidedAt = nil, "", nil
		if event == models.EventAutoApprove {
			out.DecidedAt = &now
		}
		err = tx.Model(&models.Subscription{}).Where("id = ?", out.ID).
			Select("plan_id", "state", "requested_by", "decided_by", "decision_comment", "decided_at", "updated_at").Updates(&out).Error
		if err != nil {
			return err
		}
		action := "subscription.change_plan"
		if before.PlanID == planID {
			action = "subscription.request"
		}
		a.record(action, sub, subscriptionTarget(out.ID), subscriptionAudit(before), subscriptionAudit(out))
		return notifySubscription(tx, now, out, viewer.Email)
	})
	if err != nil {
		return models.Subscription{}, translate(fmt.Sprintf("subscribe application %d to plan %d", appID, planID), "Subscription", err)
	}
	return findSubscription(s.read(ctx), out.ID)
}

func findSubscription(db *gorm.DB, id int64) (models.Subscription, error) {
	var sub models.Subscription
	if err := db.Where("id = ?", id).Take(&sub).Error; err != nil {
		return models.Subscription{}, translate(fmt.Sprintf("find subscription %d", id), "Subscription", err)
	}
	return sub, nil
}

// approvableSubscription returns the subscription when its API belongs to
// one of subsidiaries (see scopeSubsidiaries), with the subsidiary's slug;
// else NotFound. This is the one check that keeps an admin of one
// subsidiary from deciding on another's subscriptions.
func approvableSubscription(tx *gorm.DB, subsidiaries []string, id int64) (models.Subscription, string, error) {
	var row struct {
		models.Subscription
		Slug string
	}
	q := tx.Table("subscriptions").Select("subscriptions.*, s.slug").
		Joins("JOIN apis a ON a.id = subscriptions.api_id").
		Joins("JOIN subsidiaries s ON s.id = a.subsidiary_id").
		Where("subscriptions.id = ?", id)
	if err := scopeSubsidiaries(q, subsidiaries).Take(&row).Error; err != nil {
		return models.Subscription{}, "", translate(fmt.Sprintf("find subscription %d", id), "Subscription", err)
	}
	return row.Subscription, row.Slug, nil
}

// DecideSubscription approves or rejects a pending subscription to an API
// of one of subsidiaries: those the approver administers (models.GlobalDomain
// for a platform admin). A subscription to another subsidiary's API is
// NotFound; one that is not pending is Conflict; one the approver requested
// is Forbidden (four eyes). Audited as
// "subscription.approve" or "subscription.reject" in the API's subsidiary.
func (s *Store) DecideSubscription(ctx context.Context, actor models.Actor, approverID int64, subsidiaries []string, subID int64, approve bool, comment string) (models.Subscription, error) {
	event, action := models.EventReject, "subscription.reject"
	if approve {
		event, action = models.EventApprove, "subscription.approve"
	}
	return s.approverChange(ctx, actor, approverID, subsidiaries, subID, event, action, comment, true)
}

// ListApprovalQueue returns the pending subscriptions to APIs of
// subsidiaries (models.GlobalDomain for all), oldest first.
func (s *Store) ListApprovalQueue(ctx context.Context, subsidiaries []string) ([]models.Subscription, error) {
	subs := []models.Subscription{}
	q := s.read(ctx).Table("subscriptions").Select("subscriptions.*").
		Joins("JOIN apis a ON a.id = subscriptions.api_id").
		Joins("JOIN subsidiaries s ON s.id = a.subsidiary_id").
		Where("subscriptions.state = ?", models.SubscriptionPending)
	if err := scopeSubsidiaries(q, subsidiaries).Order("subscriptions.updated_at, subscriptions.id").Find(&subs).Error; err != nil {
		return nil, translate("list approval queue", "Subscriptions", err)
	}
	return subs, nil
}

// CancelSubscription cancels a pending, active or suspended subscription of
// an application the viewer may see (else NotFound). Audited as
// "subscription.cancel".
func (s *Store) CancelSubscription(ctx context.Context, actor models.Actor, viewerID, subID int64) (models.Subscription, error) {
	var out models.Subscription
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		var before models.Subscription
		err := tx.Where("id = ? AND application_id IN (?)", subID,
			visibleApps(tx.Session(&gorm.Session{NewDB: true}).Model(&models.Application{}).Select("applications.id"), viewerID)).
			Take(&before).Error
		if err != nil {
			return translate(fmt.Sprintf("find subscription %d", subID), "Subscription", err)
		}
		state, err := models.SubscriptionTransition(models.PartyRequester, before.State, models.EventCancel)
		if err != nil {
			return err
		}
		slug, err := apiSubsidiary(tx, before.APIID, []string{models.GlobalDomain})
		if err != nil {
			return err
		}
		out = before
		out.State = state
		if err := tx.Model(&models.Subscription{}).Where("id = ?", subID).Select("state", "updated_at").Updates(&out).Error; err != nil {
			return err
		}
		a.record("subscription.cancel", slug, subscriptionTarget(subID), subscriptionAudit(before), subscriptionAudit(out))
		return nil
	})
	if err != nil {
		return models.Subscription{}, translate(fmt.Sprintf("cancel subscription %d", subID), "Subscription", err)
	}
	return findSubscription(s.read(ctx), subID)
}

// ListSubscriptions returns the subscriptions of an application the viewer
// may see (else NotFound), by API.
func (s *Store) ListSubscriptions(ctx context.Context, viewerID, appID int64) ([]models.Subscription, error) {
	db := s.read(ctx)
	if _, err := findVisibleApp(db, viewerID, appID); err != nil {
		return nil, err
	}
	subs := []models.Subscription{}
	if err := s.read(ctx).Where("application_id = ?", appID).Order("api_id, id").Find(&subs).Error; err != nil {
		return nil, translate(fmt.Sprintf("list subscriptions of application %d", appID), "Subscriptions", err)
	}
	return subs, nil
}

// SuspendSubscription suspends an active subscription (suspend true) or
// resumes a suspended one, for an admin of the API's subsidiary (see
// DecideSubscription; other subsidiaries' subscriptions are NotFound). The
// comment is shown to the requester. Audited as "subscription.suspend" or
// "subscription.resume".
func (s *Store) SuspendSubscription(ctx context.Context, actor models.Actor, approverID int64, subsidiaries []string, subID int64, suspend bool, comment string) (models.Subscription, error) {
	event, action := models.EventResume, "subscription.resume"
	if suspend {
		event, action = models.EventSuspend, "subscription.suspend"
	}
	return s.approverChange(ctx, actor, approverID, subsidiaries, subID, event, action, comment, false)
}

// approverChange applies an approver's event (approve, reject, suspend,
// resume) to a subscription to an API of one of subsidiaries, with the
// comment shown to the requester, in one audited transaction. fourEyes
// refuses (Forbidden) an approver deciding on their own request.
func (s *Store) approverChange(ctx context.Context, actor models.Actor, approverID int64, subsidiaries []string, subID int64, event models.SubscriptionEvent, action, comment string, fourEyes bool) (models.Subscription, error) {
	comment = strings.TrimSpace(comment)
	if len([]rune(comment)) > MaxDecisionCommentLen {
		return models.Subscription{}, models.Errorf(models.Invalid, "A comment has at most %d characters.", MaxDecisionCommentLen)
	}
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		before, slug, err := approvableSubscription(tx, subsidiaries, subID)
		if err != nil {
			return err
		}
		if fourEyes && before.RequestedBy == approverID {
			return models.Errorf(models.Forbidden, "You cannot decide on a subscription you requested; another admin must.")
		}
		state, err := models.SubscriptionTransition(models.PartyApprover, before.State, event)
		if err != nil {
			return err
		}
		now := s.now()
		after := before
		after.State, after.DecidedBy, after.DecisionComment, after.DecidedAt = state, &approverID, comment, &now
		res := tx.Model(&models.Subscription{}).Where("id = ? AND state = ?", subID, before.State).
			Select("state", "decided_by", "decision_comment", "decided_at", "updated_at").Updates(&after)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.Conflict, "The subscription changed meanwhile.")
		}
		a.record(action, slug, subscriptionTarget(subID), subscriptionAudit(before), subscriptionAudit(after))
		if event == models.EventResume {
			return notifyResumed(tx, now, after)
		}
		return notifySubscription(tx, now, after, "")
	})
	if err != nil {
		return models.Subscription{}, translate(fmt.Sprintf("%s %d", action, subID), "Subscription", err)
	}
	return findSubscription(s.read(ctx), subID)
}
