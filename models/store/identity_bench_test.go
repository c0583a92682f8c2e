package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store/storetest"
)

// BenchmarkAppendAudit measures one appended audit event (a write
// transaction: lock, read the chain's head, insert through the chain
// trigger).
func BenchmarkAppendAudit(b *testing.B) {
	for _, dialect := range storetest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			s := storetest.OpenDialect(b, dialect, nil)
			ctx := context.Background()
			e := models.AuditEvent{Action: "bench.append", Subsidiary: "bank", Target: "api:bank/accounts", After: `{"version":"1.0.0"}`}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.AppendAudit(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyAudit measures walking a trail of 5,000 events.
func BenchmarkVerifyAudit(b *testing.B) {
	for _, dialect := range storetest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			s := storetest.OpenDialect(b, dialect, nil)
			ctx := context.Background()
			for i := 0; i < 5000; i++ {
				if _, err := s.AppendAudit(ctx, models.AuditEvent{Action: "bench.append", Target: fmt.Sprint(i)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if n, broken, err := s.VerifyAudit(ctx); err != nil || broken != nil || n != 5000 {
					b.Fatalf("VerifyAudit = %d, %v, %v", n, broken, err)
				}
			}
		})
	}
}

// BenchmarkSessionFind measures loading a session, which every signed-in
// request does.
func BenchmarkSessionFind(b *testing.B) {
	for _, dialect := range storetest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			s := storetest.OpenDialect(b, dialect, nil)
			ss := s.SessionStore()
			for i := 0; i < 1000; i++ {
				if err := ss.Commit(fmt.Sprint("token-", i), make([]byte, 200), time.Now().Add(time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, found, err := ss.Find(fmt.Sprint("token-", i%1000)); err != nil || !found {
					b.Fatal(found, err)
				}
			}
		})
	}
}
