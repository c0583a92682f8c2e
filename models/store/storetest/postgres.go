package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvPostgresDSN names an existing PostgreSQL server to test against.
const EnvPostgresDSN = "PORTICO_TEST_POSTGRES_DSN"

// pgServer is the PostgreSQL server of this test binary. It is the one piece
// of package state: a server per test (not per binary) would cost seconds
// per test.
type pgServer struct {
	adminDSN string  // a database URL of a role that may create databases
	admin    *sql.DB // connected to adminDSN
	cmd      *exec.Cmd
	exited   chan struct{}
	dir      string // temporary directory holding data, socket and log
	skip     string // why there is no server (skip, or fail with CI=true)
	err      error  // the server was expected but failed to start
}

var (
	pgOnce sync.Once
	pg     *pgServer
	dbSeq  atomic.Int64
)

// Main runs the tests of a package, stops the PostgreSQL server if one was
// started, and exits. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main for a TestMain with its own clean-up: it runs the tests,
// stops the PostgreSQL server and returns the exit code.
func Run(m *testing.M) int {
	code := m.Run()
	StopPostgres()
	return code
}

// PostgresDSN returns the URL of a new, empty database (not migrated) on the
// test PostgreSQL server, dropped when the test ends. It skips the test when
// there is no server, or fails it when CI=true.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() { pg = startPostgres() })
	switch {
	case pg.skip != "" && os.Getenv("CI") == "true":
		t.Fatalf("storetest: PostgreSQL is required with CI=true: %s", pg.skip)
	case pg.skip != "":
		t.Skipf("storetest: skipping PostgreSQL: %s", pg.skip)
	case pg.err != nil:
		t.Fatalf("storetest: PostgreSQL: %v", pg.err)
	}
	name := fmt.Sprintf("portico_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := pg.admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pg.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("storetest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(pg.adminDSN)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// StopPostgres stops the server started by this package, if any, and
// removes its directory. Main calls it.
func StopPostgres() {
	if pg == nil {
		return
	}
	if pg.admin != nil {
		pg.admin.Close()
	}
	if pg.cmd != nil && pg.cmd.Process != nil {
		// SIGINT is PostgreSQL's "fast" shutdown: no waiting for clients.
		_ = pg.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-pg.exited:
		case <-time.After(15 * time.Second):
			_ = pg.cmd.Process.Kill()
			<-pg.exited
		}
	}
	if pg.dir != "" {
		os.RemoveAll(pg.dir)
	}
	pg = nil
}

func startPostgres() *pgServer {
	if dsn := os.Getenv(EnvPostgresDSN); dsn != "" {
		s := &pgServer{adminDSN: dsn}
		if s.admin, s.err = connect(dsn, 10*time.Second, nil); s.err != nil {
			s.err = fmt.Errorf("%s=%s: %w", EnvPostgresDSN, dsn, s.err)
		}
		return s
	}
	bin, err := findPostgresBin()
	if err != nil {
		return &pgServer{skip: err.Error()}
	}
	s := &pgServer{}
	if s.err = s.start(bin); s.err != nil {
		s.abandon()
	}
	return s
}

// abandon cleans up after a server that failed half-way through starting.
func (s *pgServer) abandon() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	if s.dir != "" {
		if log, err := os.ReadFile(filepath.Join(s.dir, "postgres.log")); err == nil && s.err != nil {
			s.err = fmt.Errorf("%w\npostgres.log:\n%s", s.err, tail(string(log), 2000))
		}
		os.RemoveAll(s.dir)
		s.dir = ""
	}
}

// findPostgresBin returns the directory holding initdb and postgres: the
// newest /usr/lib/postgresql/*/bin, else the directory of initdb on PATH.
func findPostgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		d := filepath.Dir(p)
		if isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
		if q, err := exec.LookPath("postgres"); err == nil {
			return filepath.Dir(q), nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or PATH; install Debian's postgresql package or set " + EnvPostgresDSN)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// start runs initdb and postgres in a new temporary directory.
func (s *pgServer) start(bin string) error {
	cred, err := serverCredential()
	if err != nil {
		return err
	}
	if s.dir, err = os.MkdirTemp(serverBaseDir(cred != nil), "portico-pg-"); err != nil {
		return err
	}
	if cred != nil {
		if err := os.Chown(s.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("hand %s to the postgres user: %w", s.dir, err)
		}
	}
	data := filepath.Join(s.dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "portico", "--auth=trust",
		"--encoding=UTF8", "--no-locale", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Env = serverEnv()
	initdb.Dir = s.dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, tail(string(out), 2000))
	}

	// A port is chosen by the kernel and released just before postgres
	// binds it; another process may take it meanwhile, so try a few times.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		if lastErr = s.run(bin, data, port, cred); lastErr == nil {
			return nil
		}
	}
	return lastErr
}

func (s *pgServer) run(bin, data string, port int, cred *syscall.Credential) error {
	logf, err := os.OpenFile(filepath.Join(s.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-p", strconv.Itoa(port), "-h", "127.0.0.1", "-k", s.dir,
		// Test data is disposable: trade durability for speed.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = serverEnv()
	cmd.Dir = s.dir
	// The server dies with the test binary even when Main is not used or the
	// binary panics: SIGQUIT is PostgreSQL's immediate shutdown.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited
	s.adminDSN = fmt.Sprintf("postgres://portico@127.0.0.1:%d/postgres?sslmode=disable", port)
	if s.admin, err = connect(s.adminDSN, 60*time.Second, exited); err != nil {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		s.cmd = nil
		log, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
		return fmt.Errorf("postgres did not come up on port %d: %w\npostgres.log:\n%s", port, err, tail(string(log), 2000))
	}
	return nil
}

// connect opens dsn and waits until the server answers, the timeout passes
// or exited is closed.
func connect(dsn string, timeout time.Duration, exited <-chan struct{}) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return db, nil
		}
		select {
		case <-exited:
			db.Close()
			return nil, fmt.Errorf("server exited: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			db.Close()
			return nil, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// serverCredential returns the "postgres" user to run the server as when
// the tests run as root (initdb refuses root), else nil.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and PostgreSQL refuses root: need a \"postgres\" OS user: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// serverEnv is the environment of initdb and postgres: ours without the
// libpq variables that would redirect them, in the C locale.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LANG=C", "LC_ALL=C")
}

// serverBaseDir is where the server's directory goes: the usual temporary
// directory, unless the postgres user could not reach it (a TMPDIR under
// /root) or the socket path would be too long for a Unix socket; then /tmp.
func serverBaseDir(otherUser bool) string {
	dir := os.TempDir()
	if len(dir) > 60 {
		return "/tmp"
	}
	if otherUser {
		for d := dir; ; d = filepath.Dir(d) {
			fi, err := os.Stat(d)
			if err != nil || fi.Mode().Perm()&0o001 == 0 {
				return "/tmp"
			}
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	return dir
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
