package models

import "testing"

func TestNextSubscriptionState(t *testing.T) {
	const none SubscriptionState = ""
	tests := []struct {
		current  SubscriptionState
		event    SubscriptionEvent
		want     SubscriptionState
		wantKind Kind // "" = allowed
	}{
		{none, EventRequest, SubscriptionPending, ""},
		{none, EventAutoApprove, SubscriptionActive, ""},
		{none, EventApprove, "", Conflict},
		{none, EventCancel, "", Conflict},
		{SubscriptionPending, EventApprove, SubscriptionActive, ""},
		{SubscriptionPending, EventReject, SubscriptionRejected, ""},
		{SubscriptionPending, EventCancel, SubscriptionCancelled, ""},
		{SubscriptionPending, EventRequest, SubscriptionPending, ""},
		{SubscriptionPending, EventAutoApprove, SubscriptionActive, ""},
		{SubscriptionPending, EventSuspend, "", Conflict},
		{SubscriptionPending, EventResume, "", Conflict},
		{SubscriptionActive, EventRequest, SubscriptionPending, ""},
		{SubscriptionActive, EventAutoApprove, SubscriptionActive, ""},
		{SubscriptionActive, EventSuspend, SubscriptionSuspended, ""},
		{SubscriptionActive, EventCancel, SubscriptionCancelled, ""},
		{SubscriptionActive, EventApprove, "", Conflict},
		{SubscriptionActive, EventReject, "", Conflict},
		{SubscriptionActive, EventResume, "", Conflict},
		{SubscriptionSuspended, EventResume, SubscriptionActive, ""},
		{SubscriptionSuspended, EventCancel, SubscriptionCancelled, ""},
		{SubscriptionSuspended, EventRequest, "", Conflict},
		{SubscriptionSuspended, EventAutoApprove, "", Conflict},
		{SubscriptionSuspended, EventApprove, "", Conflict},
		{SubscriptionRejected, EventRequest, SubscriptionPending, ""},
		{SubscriptionRejected, EventAutoApprove, SubscriptionActive, ""},
		{SubscriptionRejected, EventApprove, "", Conflict},
		{SubscriptionRejected, EventCancel, "", Conflict},
		{SubscriptionCancelled, EventRequest, SubscriptionPending, ""},
		{SubscriptionCancelled, EventAutoApprove, SubscriptionActive, ""},
		{SubscriptionCancelled, EventCancel, "", Conflict},
		{SubscriptionCancelled, EventResume, "", Conflict},
	}
	for _, tc := range tests {
		name := string(tc.current) + " on " + string(tc.event)
		if tc.current == none {
			name = "none on " + string(tc.event)
		}
		t.Run(name, func(t *testing.T) {
			got, err := NextSubscriptionState(tc.current, tc.event)
			if tc.wantKind == "" && err != nil {
				t.Fatalf("NextSubscriptionState = %v", err)
			}
			if tc.wantKind != "" && KindOf(err) != tc.wantKind {
				t.Fatalf("error = %v, want %s", err, tc.wantKind)
			}
			if got != tc.want {
				t.Errorf("state = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSubscriptionParties(t *testing.T) {
	tests := []struct {
		party SubscriptionParty
		event SubscriptionEvent
		want  bool
	}{
		{PartyRequester, EventRequest, true},
		{PartyRequester, EventAutoApprove, true},
		{PartyRequester, EventCancel, true},
		{PartyRequester, EventApprove, false},
		{PartyRequester, EventReject, false},
		{PartyRequester, EventSuspend, false},
		{PartyRequester, EventResume, false},
		{PartyApprover, EventApprove, true},
		{PartyApprover, EventReject, true},
		{PartyApprover, EventSuspend, true},
		{PartyApprover, EventResume, true},
		{PartyApprover, EventCancel, true},
		{PartyApprover, EventRequest, false},
		{PartyApprover, EventAutoApprove, false},
	}
	for _, tc := range tests {
		t.Run(string(tc.party)+" "+string(tc.event), func(t *testing.T) {
			if got := SubscriptionEventAllowed(tc.party, tc.event); got != tc.want {
				t.Errorf("SubscriptionEventAllowed = %v, want %v", got, tc.want)
			}
			_, err := SubscriptionTransition(tc.party, SubscriptionPending, tc.event)
			if !tc.want && KindOf(err) != Forbidden {
				t.Errorf("SubscriptionTransition error = %v, want Forbidden", err)
			}
		})
	}
}

func TestSubscribeEvent(t *testing.T) {
	tests := []struct {
		name     string
		mode     ApprovalMode
		audience Audience
		kind     UserKind
		want     SubscriptionEvent
	}{
		{"automatic plan is approved at once", ApprovalAutomatic, AudiencePublic, UserExternal, EventAutoApprove},
		{"manual plan waits for an approver", ApprovalManual, AudiencePublic, UserExternal, EventRequest},
		{"manual partner plan waits even for staff", ApprovalManual, AudiencePartner, UserStaff, EventRequest},
		{"staff self-provision a manual internal plan", ApprovalManual, AudienceInternal, UserStaff, EventAutoApprove},
		{"external developers wait on an internal plan", ApprovalManual, AudienceInternal, UserExternal, EventRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SubscribeEvent(Plan{ApprovalMode: tc.mode, Audience: tc.audience}, tc.kind); got != tc.want {
				t.Errorf("SubscribeEvent = %s, want %s", got, tc.want)
			}
		})
	}
}
