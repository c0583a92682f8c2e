// Package smtptest runs a real SMTP server process on loopback for tests:
// Debian's python3-aiosmtpd, delivering every message into a Maildir the
// test reads. It skips the test when aiosmtpd is missing (fails it with
// CI=true; see internal/testenv).
package smtptest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portico/portico/internal/testenv"
)

// Python is the interpreter that has aiosmtpd (Debian's python3-aiosmtpd).
const Python = "/usr/bin/python3"

// Server is an aiosmtpd process listening on 127.0.0.1:Port, writing the
// messages it accepts into the Maildir Dir.
type Server struct {
	Port int
	Dir  string
	t    testing.TB
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// Start starts aiosmtpd on a free loopback port and waits until it greets
// clients. The server is stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if err := exec.Command(Python, "-c", "import aiosmtpd").Run(); err != nil {
		testenv.Missing(t, "the SMTP test server is missing: install Debian's python3-aiosmtpd (apt-get install python3-aiosmtpd)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Port: port, Dir: filepath.Join(t.TempDir(), "Maildir"), t: t, log: filepath.Join(t.TempDir(), "aiosmtpd.log")}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// URL is the smtp:// URL of the server.
func (s *Server) URL() string { return "smtp://" + s.Addr() }

// Start (re)starts the process on the same port and Maildir. It fails the
// test unless the server greets within ten seconds.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatal("smtptest: server already running")
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(Python, "-m", "aiosmtpd", "-n", "-l", s.Addr(), "-c", "aiosmtpd.handlers.Mailbox", s.Dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("smtptest: start aiosmtpd: %v", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(s.done)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if greets(s.Addr()) {
			return
		}
		select {
		case <-s.done:
			s.cmd = nil
			s.t.Fatalf("smtptest: aiosmtpd exited at start:\n%s", s.logText())
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			s.t.Fatalf("smtptest: aiosmtpd did not greet on %s within 10s:\n%s", s.Addr(), s.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// greets reports whether an SMTP server on addr sends its 220 greeting.
func greets(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "220") {
		return false
	}
	_, _ = c.Write([]byte("QUIT\r\n"))
	return true
}

// Stop ends the process (its whole process group) and waits for it. The
// port is closed afterwards; Start brings the server back on it.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
	// Wait until nothing listens any more, so a test sees a refused
	// connection rather than a server on its way out.
	for range 100 {
		c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) logText() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// Message is one delivered message.
type Message struct {
	File   string
	Header mail.Header
	Body   string // as delivered (transfer-encoded)
	Raw    string
}

// Messages returns the messages delivered so far, oldest first (by file
// modification time, then name).
func (s *Server) Messages() []Message {
	s.t.Helper()
	var files []string
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(s.Dir, sub))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			s.t.Fatal(err)
		}
		for _, e := range entries {
			files = append(files, filepath.Join(s.Dir, sub, e.Name()))
		}
	}
	type entry struct {
		file string
		mod  time.Time
	}
	var es []entry
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			s.t.Fatal(err)
		}
		es = append(es, entry{f, fi.ModTime()})
	}
	slices.SortFunc(es, func(a, b entry) int {
		if c := a.mod.Compare(b.mod); c != 0 {
			return c
		}
		return strings.Compare(a.file, b.file)
	})
	var out []Message
	for _, e := range es {
		raw, err := os.ReadFile(e.file)
		if err != nil {
			s.t.Fatal(err)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			s.t.Fatalf("smtptest: %s is not a message: %v", e.file, err)
		}
		body := new(strings.Builder)
		if _, err := bufio.NewReader(m.Body).WriteTo(body); err != nil {
			s.t.Fatal(err)
		}
		out = append(out, Message{File: e.file, Header: m.Header, Body: body.String(), Raw: string(raw)})
	}
	return out
}

// String describes the server for failure messages.
func (s *Server) String() string { return fmt.Sprintf("aiosmtpd on %s (Maildir %s)", s.Addr(), s.Dir) }
