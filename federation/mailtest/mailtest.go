// Package mailtest runs a real SMTP server in the test's process (go-smtp)
// and keeps the mail it receives, so tests follow the links copse mails
// as a person would. It imports nothing of copse.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Server is an SMTP server on 127.0.0.1 that offers STARTTLS with a
// certificate of its own (trusted by TLS) and PLAIN authentication with
// Username and Password.
type Server struct {
	Host               string
	Port               int
	Username, Password string
	// TLS trusts the server's certificate: give it to the mailer.
	TLS *tls.Config

	mu       sync.Mutex
	received []Mail
	arrived  chan struct{}
}

// Mail is one message the server received.
type Mail struct {
	From    string
	To      []string
	Authed  string // the username it authenticated as, "" if none
	Data    []byte
	Message *mail.Message
	Body    string
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	cert, pool := selfSigned(t)
	s := &Server{Host: "127.0.0.1", Username: "copse", Password: "mail secret",
		TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}, arrived: make(chan struct{}, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 1 << 20
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Received returns the mail received so far.
func (s *Server) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.received...)
}

// Wait returns the nth mail (from 1) once it has arrived, or fails the
// test after ten seconds.
func (s *Server) Wait(t testing.TB, n int) Mail {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if got := s.Received(); len(got) >= n {
			return got[n-1]
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("mail %d did not arrive; %d did", n, len(s.Received()))
		}
	}
}

var linkPattern = regexp.MustCompile(`https?://[^\s>]+`)

// Link returns the first link in the mail's body whose text contains
// part, or "".
func (m Mail) Link(part string) string {
	for _, l := range linkPattern.FindAllString(m.Body, -1) {
		if bytes.Contains([]byte(l), []byte(part)) {
			return l
		}
	}
	return ""
}

type session struct {
	s      *Server
	authed string
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.Username || password != ss.s.Password {
			return errors.New("invalid credentials")
		}
		ss.authed = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error { ss.from = from; return nil }
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error   { ss.to = append(ss.to, to); return nil }
func (ss *session) Reset()                                      { ss.from, ss.to = "", nil }
func (ss *session) Logout() error                               { return nil }

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Mail{From: ss.from, To: ss.to, Authed: ss.authed, Data: data}
	if m.Message, err = mail.ReadMessage(bytes.NewReader(data)); err != nil {
		return err
	}
	body, err := io.ReadAll(m.Message.Body)
	if err != nil {
		return err
	}
	m.Body = string(body)
	ss.s.mu.Lock()
	ss.s.received = append(ss.s.received, m)
	ss.s.mu.Unlock()
	select {
	case ss.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
