package store

import (
	"context"

	"github.com/portico/portico/models"
)

// EnqueueEmailForTest queues an email due now, as notify does, for tests of
// the outbox alone.
func (s *Store) EnqueueEmailForTest(ctx context.Context, to, subject string) (models.OutboxMessage, error) {
	now := s.now()
	m := models.OutboxMessage{ToAddress: to, Subject: subject, BodyText: "Body of " + subject, NextAttemptAt: now, CreatedAt: now}
	err := s.write(ctx).Create(&m).Error
	return m, err
}
