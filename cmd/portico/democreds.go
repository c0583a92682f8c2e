package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/portico/portico/demo"
	"github.com/portico/portico/identity"
)

// demoCredentialsFile is where `serve --demo` writes the demo accounts, so
// scripts and the README's examples can read them.
const demoCredentialsFile = "demo-credentials.env"

// demoPassword returns the demo accounts' password: the one already in
// <dataDir>/demo-credentials.env, or a new random one (fresh is true), so a
// restarted demo keeps its accounts usable.
func demoPassword(dataDir string) (password string, fresh bool, err error) {
	vars, err := readEnvFile(filepath.Join(dataDir, demoCredentialsFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", false, err
	}
	if p := vars["DEMO_PASSWORD"]; p != "" {
		return p, false, nil
	}
	return identity.GeneratePassword(), true, nil
}

// writeDemoCredentials writes the demo password and persona emails (plus
// extra KEY=value lines) to <dataDir>/demo-credentials.env, readable by the
// owner only.
func writeDemoCredentials(dataDir, password string, extra [][2]string) (string, error) {
	var b bytes.Buffer
	b.WriteString("# Portico demo accounts (demo mode only). Sign in at /login with an email and DEMO_PASSWORD.\n")
	fmt.Fprintf(&b, "DEMO_PASSWORD=%s\n", password)
	for _, p := range demo.Personas() {
		fmt.Fprintf(&b, "DEMO_%s_EMAIL=%s\n", p.Key, p.Email)
	}
	for _, kv := range extra {
		fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
	}
	path := filepath.Join(dataDir, demoCredentialsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}

// readEnvFile reads KEY=value lines, skipping blanks and # comments.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return vars, sc.Err()
}

const gatewayComment = "# The gateway (demo mode only)"

// updateDemoCredentials sets KEY=value lines in <dataDir>/demo-credentials.env,
// replacing those already there and keeping the others.
func updateDemoCredentials(dataDir string, kv [][2]string) (string, error) {
	path := filepath.Join(dataDir, demoCredentialsFile)
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	set := map[string]bool{}
	for _, p := range kv {
		set[p[0]] = true
	}
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(string(old), "\n") {
		if k, _, ok := strings.Cut(line, "="); ok && set[strings.TrimSpace(k)] || strings.HasPrefix(line, gatewayComment) {
			continue
		}
		b.WriteString(line)
	}
	if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.WriteString("\n")
	}
	b.WriteString(gatewayComment + `: curl -H "X-App-Id: $APP_ID" -H "X-App-Key: $APP_KEY" "$GATEWAY_URL$DEMO_PATH"` + "\n")
	for _, p := range kv {
		fmt.Fprintf(&b, "%s=%s\n", p[0], p[1])
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
