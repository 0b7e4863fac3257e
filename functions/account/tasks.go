package account

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail/queue"
)

// Deferred tasks: what register and login do once the address is looked
// up. The request only validates, counts its rate limits and queues the
// task (the same store writes for any address), so its answer takes the
// same time whether the address is an approved member's, a pending one's
// or unknown; the mail sender runs the task right after the answer.
const (
	TaskRegister = "account.register"
	TaskLogin    = "account.login"
)

// deferOrRun queues the task when the service has a queue (Defer), else
// runs it now (tests and tools that build the service bare).
func (s *Service) deferOrRun(ctx context.Context, kind string, data any, run func() error) error {
	if s.Defer == nil {
		return run()
	}
	if err := s.Defer(ctx, kind, data); err != nil {
		return httpapi.Internal(err)
	}
	return nil
}

// UseQueue sends the service's mail through the queue and defers register
// and login's address-dependent work to sender, which runs Tasks.
func (s *Service) UseQueue(m *queue.Mailer, sender *queue.Sender) {
	s.Mailer = m
	s.Defer, s.DeferAt = m.Defer, m.DeferAt
	for kind, fn := range s.Tasks() {
		sender.Handle(kind, fn)
	}
}

// Tasks are the handlers of the service's deferred tasks, for the mail
// sender (queue.Sender.Handle).
func (s *Service) Tasks() map[string]queue.TaskFunc {
	return map[string]queue.TaskFunc{
		TaskDecision: s.runDecisionTask,
		TaskRegister: func(ctx context.Context, data []byte) error {
			var in RegisterInput
			if err := json.Unmarshal(data, &in); err != nil {
				return fmt.Errorf("%w: %s: %w", queue.ErrPermanent, TaskRegister, err)
			}
			// Validate again: normalises the input as the request did, and
			// refuses a task that was never a valid request.
			now := s.Now()
			if err := in.Validate(s.Config.PolicyVersion, now); err != nil {
				return fmt.Errorf("%w: %s: invalid input", queue.ErrPermanent, TaskRegister)
			}
			return taskError(s.registerNow(ctx, in, now))
		},
		TaskLogin: func(ctx context.Context, data []byte) error {
			var t loginTask
			if err := json.Unmarshal(data, &t); err != nil {
				return fmt.Errorf("%w: %s: %w", queue.ErrPermanent, TaskLogin, err)
			}
			return taskError(s.loginNow(ctx, t.Email, t.Next))
		},
	}
}

// taskError: bad data can never pass; anything else may on a retry.
func taskError(err error) error {
	if err == nil {
		return nil
	}
	if e := httpapi.AsError(err); e.Code == httpapi.EINVALID || e.Code == httpapi.ECONFLICT {
		return fmt.Errorf("%w: %w", queue.ErrPermanent, err)
	}
	return err
}
