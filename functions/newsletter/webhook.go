package newsletter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// WebhookPath receives SendGrid's Event Webhook. It is not a browser
// endpoint: SendGrid sends neither Origin nor Sec-Fetch-Site, so the
// portal's same-origin check lets it through, and the ECDSA signature is
// what authenticates it.
const WebhookPath = "/api/webhooks/sendgrid"

// maxWebhookBody bounds one POST; SendGrid batches events into posts well
// below this.
const maxWebhookBody = 8 << 20

// Event is one SendGrid event, with the custom_args this package sets.
type Event struct {
	Email     string `json:"email"`
	Event     string `json:"event"`
	Type      string `json:"type"` // for bounce: "bounce" (hard) or "blocked" (soft)
	EventID   string `json:"sg_event_id"`
	MessageID string `json:"sg_message_id"`
	Timestamp int64  `json:"timestamp"`
	URL       string `json:"url"`
	Send      string `json:"okaeri_send"`
	Batch     string `json:"okaeri_batch"`
	Member    string `json:"okaeri_member"`
}

// WebhookResult counts what one POST changed.
type WebhookResult struct {
	Events      int `json:"events"`
	Suppressed  int `json:"suppressed"`  // addresses newly suppressed
	Engagement  int `json:"engagement"`  // open, click and unsubscribe events newly recorded
	Reconciled  int `json:"reconciled"`  // uncertain batches found to have been sent
	Duplicates  int `json:"duplicates"`  // events already applied before
	Unsupported int `json:"unsupported"` // events this portal keeps nothing of
}

// suppressingEvents map SendGrid events to suppression reasons.
var suppressingEvents = map[string]store.SuppressionReason{
	"bounce":            store.SuppressBounce,
	"dropped":           store.SuppressDropped,
	"spamreport":        store.SuppressSpamReport,
	"unsubscribe":       store.SuppressUnsubscribe,
	"group_unsubscribe": store.SuppressUnsubscribe,
}

// acceptedEvents prove SendGrid accepted the message they are about.
var acceptedEvents = map[string]bool{"processed": true, "delivered": true, "deferred": true, "bounce": true,
	"dropped": true, "open": true, "click": true, "spamreport": true, "unsubscribe": true, "group_unsubscribe": true}

// ApplyEvents applies a verified batch of events. Each effect is idempotent
// per event: a suppression keeps its first mark, an engagement event is
// stored once per sg_event_id, a batch becomes sent once. So SendGrid's
// retries (it retries any post not answered 2xx) apply nothing twice.
func (s *Service) ApplyEvents(ctx context.Context, events []Event) (WebhookResult, error) {
	res := WebhookResult{Events: len(events)}
	checked := map[string]bool{} // batches already reconciled in this post
	for _, e := range events {
		did, applicable := false, false
		if reason, ok := suppressingEvents[e.Event]; ok && !(e.Event == "bounce" && e.Type == "blocked") && e.Email != "" {
			applicable = true
			added, err := s.suppressFromEvent(ctx, e, reason)
			if err != nil {
				return res, err
			}
			if added {
				res.Suppressed++
				did = true
			}
		}
		if kind, ok := engagementEvents[e.Event]; ok && e.Member != "" && store.ValidSlug(e.Send) && e.EventID != "" {
			applicable = true
			created, err := s.recordEngagement(ctx, e, kind)
			if err != nil {
				return res, err
			}
			if created {
				res.Engagement++
				did = true
			}
		}
		if acceptedEvents[e.Event] && store.ValidSlug(e.Send) && e.Batch != "" && !checked[e.Send+"/"+e.Batch] {
			checked[e.Send+"/"+e.Batch] = true
			ok, err := s.reconcile(ctx, e.Send, e.Batch)
			if err != nil {
				return res, err
			}
			if ok {
				res.Reconciled++
				did = true
			}
		}
		switch {
		case did:
		case applicable:
			res.Duplicates++
		default:
			res.Unsupported++ // a soft bounce, a delivery report, an event not about our newsletters
		}
	}
	return res, nil
}

// suppressFromEvent records a suppression; for an unsubscribe or a spam
// report it also withdraws the member's newsletter consent, so their
// preferences page tells the truth.
func (s *Service) suppressFromEvent(ctx context.Context, e Event, reason store.SuppressionReason) (bool, error) {
	mark := store.SuppressionMark{At: s.Now(), EventID: e.EventID}
	if store.ValidSlug(e.Send) {
		mark.Slug = e.Send
	}
	added, err := s.Store.Suppress(ctx, e.Email, reason, mark)
	if err != nil {
		return false, fmt.Errorf("suppress: %w", err)
	}
	if added {
		s.Log.InfoContext(ctx, "newsletter: address suppressed", "reason", reason, "to_domain", domainOf(e.Email), "slug", mark.Slug)
	}
	if !added || (reason != store.SuppressUnsubscribe && reason != store.SuppressSpamReport) {
		return added, nil
	}
	m, err := s.Store.GetMemberByEmail(ctx, e.Email)
	if errors.Is(err, store.ErrNotFound) {
		return added, nil
	}
	if err != nil {
		return added, err
	}
	now := s.Now().UTC()
	_, err = s.Store.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
		c, ok := old.Consents["newsletter"]
		if !ok || !c.Given {
			return old, errUnchanged
		}
		old.Consents["newsletter"] = store.Consent{Given: false, PolicyVersion: c.PolicyVersion, At: now}
		old.ConsentHistory = append(old.ConsentHistory, store.ConsentChange{Purpose: "newsletter", Given: false, PolicyVersion: c.PolicyVersion, At: now})
		return old, nil
	})
	if err != nil && !errors.Is(err, errUnchanged) && !errors.Is(err, store.ErrNotFound) {
		return added, err
	}
	if err == nil {
		_, _ = s.Store.AppendAudit(ctx, store.AuditEntry{At: now, Actor: "system", Action: "newsletter." + string(reason), Subject: m.ID, Fields: []string{"consents.newsletter"}})
	}
	return added, nil
}

// engagementEvents are the SendGrid events kept as engagement with a send
// (and counted, each member once: store.CounterEngaged).
var engagementEvents = map[string]store.EngagementType{"open": store.EngagementOpen, "click": store.EngagementClick,
	"unsubscribe": store.EngagementUnsubscribe, "group_unsubscribe": store.EngagementUnsubscribe}

// recordEngagement keeps an open, click or unsubscribe of a member who still exists.
func (s *Service) recordEngagement(ctx context.Context, e Event, kind store.EngagementType) (bool, error) {
	if _, err := s.Store.GetMember(ctx, e.Member); errors.Is(err, store.ErrNotFound) {
		return false, nil // erased since: keep nothing about them
	} else if err != nil {
		return false, err
	}
	at := s.Now()
	if e.Timestamp > 0 {
		at = time.Unix(e.Timestamp, 0)
	}
	return s.Store.RecordEngagement(ctx, store.Engagement{EventID: e.EventID, Type: kind, Slug: e.Send, MemberID: e.Member, At: at, URL: e.URL})
}

// reconcile marks an uncertain batch sent: an event about one of its
// messages proves SendGrid accepted the request.
func (s *Service) reconcile(ctx context.Context, slug, batchID string) (bool, error) {
	b, err := s.Store.GetDeliveryBatch(ctx, slug, batchID)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if b.Status != store.BatchUncertain {
		return false, nil
	}
	_, err = s.Store.UpdateDeliveryBatch(ctx, slug, batchID, func(old store.DeliveryBatch) (store.DeliveryBatch, error) {
		if old.Status != store.BatchUncertain {
			return old, errUnchanged
		}
		old.Status, old.Error = store.BatchSent, "reconciled: SendGrid reported events for this batch"
		for i := range old.Recipients {
			old.Recipients[i].Email, old.Recipients[i].Name = "", ""
		}
		return old, nil
	})
	if errors.Is(err, errUnchanged) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.Log.InfoContext(ctx, "newsletter: uncertain batch reconciled as sent", "slug", slug, "batch", batchID)
	batches, err := s.Store.ListDeliveryBatches(ctx, slug)
	if err != nil {
		return true, err
	}
	_, err = s.Store.UpdateNewsletterSend(ctx, slug, func(old store.NewsletterSend) (store.NewsletterSend, error) {
		rep := tally(batches)
		rep.Recipients, rep.Suppressed = old.Report.Recipients, old.Report.Suppressed
		old.Report = rep
		return old, nil
	})
	return true, err
}

func (h Handler) webhook(w http.ResponseWriter, r *http.Request) {
	v := h.S.Config.Webhook
	if v == nil {
		httpapi.WriteError(w, r, h.S.Log, httpapi.Errorf(httpapi.EUNAVAILABLE, "webhook_not_configured"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		httpapi.WriteError(w, r, h.S.Log, httpapi.Errorf(httpapi.ETOOLARGE, "body_too_large", maxWebhookBody))
		return
	}
	if err := v.Verify(r.Header, body); err != nil {
		h.S.Log.WarnContext(r.Context(), "newsletter: webhook refused", "why", err)
		httpapi.WriteError(w, r, h.S.Log, httpapi.Errorf(httpapi.EUNAUTHORIZED, "webhook_signature"))
		return
	}
	var events []Event
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&events); err != nil {
		httpapi.WriteError(w, r, h.S.Log, httpapi.Errorf(httpapi.EINVALID, "malformed_json"))
		return
	}
	res, err := h.S.ApplyEvents(r.Context(), events)
	if err != nil {
		// 5xx: SendGrid retries the post, and every effect is idempotent.
		httpapi.WriteError(w, r, h.S.Log, httpapi.Internal(err))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
}
