package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portico/portico/models"
)

// Message is one email: plain text, to one address.
type Message struct {
	From      string // "Portico <no-reply@example.com>"
	To        string // one address
	Subject   string
	Body      string // plain text; lines end with "\n"
	Date      time.Time
	MessageID string // without angle brackets; empty: none
}

// SMTPSender delivers messages to one SMTP server, named by a URL:
//
//	smtp://[user:password@]host[:port]   port 25 by default; STARTTLS when the server offers it
//	smtps://[user:password@]host[:port]  port 465 by default; TLS from the first byte
//
// On smtp://, credentials are sent only over TLS (after STARTTLS) or to a
// loopback server: a server that offers no STARTTLS gets no password, and
// the delivery fails instead. Add ?starttls=required to refuse delivery
// without TLS even with no credentials.
type SMTPSender struct {
	host, port  string
	implicitTLS bool
	requireTLS  bool
	user, pass  string
	hasAuth     bool
	timeout     time.Duration
	tlsConfig   *tls.Config
	helo        string
	redactedURL string
	dialer      net.Dialer
}

// NewSMTPSender parses an smtp:// or smtps:// URL (see SMTPSender). Errors
// never contain the password.
func NewSMTPSender(rawURL string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("SMTP URL %s: not a URL", RedactURL(rawURL))
	}
	s := &SMTPSender{timeout: 30 * time.Second, helo: "localhost", redactedURL: RedactURL(rawURL)}
	switch u.Scheme {
	case "smtp":
		s.port = "25"
	case "smtps":
		s.port, s.implicitTLS = "465", true
	default:
		return nil, fmt.Errorf("SMTP URL %s: the scheme must be smtp or smtps", s.redactedURL)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, fmt.Errorf("SMTP URL %s: no host", s.redactedURL)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("SMTP URL %s: bad port", s.redactedURL)
		}
		s.port = p
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		s.hasAuth = s.user != ""
	}
	switch v := u.Query().Get("starttls"); v {
	case "", "auto":
	case "required":
		s.requireTLS = true
	default:
		return nil, fmt.Errorf("SMTP URL %s: starttls=%q is not auto or required", s.redactedURL, v)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("SMTP URL %s: unexpected path %q", s.redactedURL, u.Path)
	}
	s.tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	return s, nil
}

// RedactURL returns rawURL with its password replaced, for logs and
// errors.
func RedactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		// Do not echo something unparsable: it may hold the password.
		return "(unparsable URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	return u.Redacted()
}

// String is the server's URL without its password.
func (s *SMTPSender) String() string { return s.redactedURL }

// permanentError is a refusal the server will repeat: retrying is useless.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent reports whether err is a delivery failure that a retry will
// not cure (a 5xx reply, an invalid address).
func Permanent(err error) bool {
	var p permanentError
	if errors.As(err, &p) {
		return true
	}
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500 && te.Code < 600
}

// Send delivers m. The whole conversation is bounded by a 30 s deadline
// and by ctx.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	from, err := mail.ParseAddress(models.OneLine(m.From, 0))
	if err != nil {
		return permanentError{fmt.Errorf("sender address %q: %w", m.From, err)}
	}
	to, err := mail.ParseAddress(models.OneLine(m.To, 0))
	if err != nil {
		return permanentError{fmt.Errorf("recipient address: %w", err)}
	}
	data, err := Compose(m)
	if err != nil {
		return permanentError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	addr := net.JoinHostPort(s.host, s.port)
	conn, err := s.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if s.implicitTLS {
		tc := tls.Client(conn, s.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS with %s: %w", addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("greeting of %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello(s.helo); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	tlsOn := s.implicitTLS
	if !tlsOn {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig); err != nil {
				return fmt.Errorf("STARTTLS with %s: %w", addr, err)
			}
			tlsOn = true
		} else if s.requireTLS {
			return fmt.Errorf("%s offers no STARTTLS and the URL requires it", addr)
		}
	}
	if s.hasAuth {
		if !tlsOn && !isLoopback(s.host) {
			return fmt.Errorf("%s offers no STARTTLS: the password is not sent in clear", addr)
		}
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("%s does not offer AUTH, but the URL has credentials", addr)
		}
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	_ = c.Quit() // the message is accepted; a failed QUIT changes nothing
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Compose renders m as an RFC 5322 message: single-line headers (CR and LF
// in From, To and Subject become spaces, so nothing can add a header), a
// non-ASCII subject in RFC 2047 encoding, and the body as quoted-printable
// UTF-8 text.
func Compose(m Message) ([]byte, error) {
	from, err := mail.ParseAddress(models.OneLine(m.From, 0))
	if err != nil {
		return nil, fmt.Errorf("sender address %q: %w", m.From, err)
	}
	to, err := mail.ParseAddress(models.OneLine(m.To, 0))
	if err != nil {
		return nil, fmt.Errorf("recipient address: %w", err)
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", models.OneLine(m.Subject, 0)))
	header("Date", date.UTC().Format(time.RFC1123Z))
	if id := models.OneLine(m.MessageID, 0); id != "" && !strings.ContainsAny(id, "<> ") {
		header("Message-ID", "<"+id+">")
	}
	header("Auto-Submitted", "auto-generated")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\r", "\n")
	if _, err := qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}
