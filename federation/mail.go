package federation

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// Mail security modes: how the connection to the SMTP server is
// protected.
const (
	MailSTARTTLS = "starttls" // plain connection upgraded with STARTTLS (port 587); refused if the server cannot
	MailTLS      = "tls"      // TLS from the first byte (port 465)
	MailNone     = "none"     // no encryption: a relay on the same host or network only
)

// MailConfig is the SMTP server the node sends its mail through. The
// zero value (no Host) means the node sends no mail.
type MailConfig struct {
	Host     string
	Port     int    // default 587, or 465 for MailTLS
	Security string // MailSTARTTLS (default), MailTLS or MailNone
	Username string // with Password, PLAIN authentication; never over an unencrypted connection but to localhost
	Password string
	From     string // the sender's address, "Copse <copse@council-a.example>"
}

// Enabled reports whether the configuration names a server.
func (c MailConfig) Enabled() bool { return c.Host != "" }

// Validate reports the first problem with c as one readable error.
func (c MailConfig) Validate() error {
	if !c.Enabled() {
		return nil
	}
	switch c.Security {
	case "", MailSTARTTLS, MailTLS, MailNone:
	default:
		return fmt.Errorf("smtp security %q is not starttls, tls or none", c.Security)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("smtp port %d is not a port", c.Port)
	}
	if c.From == "" {
		return fmt.Errorf("smtp from is required: the address the node's mail comes from")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("smtp from %q is not an email address", c.From)
	}
	if (c.Username == "") != (c.Password == "") {
		return fmt.Errorf("smtp username and password go together")
	}
	return nil
}

// Mailer sends the node's mail (confirmation links, password resets)
// through one SMTP server. Each message is its own connection, bounded by
// a deadline: a node sends little mail, and a stuck server must not hold
// a request.
type Mailer struct {
	cfg     MailConfig
	tls     *tls.Config
	timeout time.Duration
	now     func() time.Time
}

// NewMailer returns a Mailer for cfg. tlsConfig may be nil (the system's
// roots); tests give their own server's certificate.
func NewMailer(cfg MailConfig, tlsConfig *tls.Config) *Mailer {
	if cfg.Security == "" {
		cfg.Security = MailSTARTTLS
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.Security == MailTLS {
			cfg.Port = 465
		}
	}
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	tlsConfig = tlsConfig.Clone()
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = cfg.Host
	}
	tlsConfig.MinVersion = max(tlsConfig.MinVersion, tls.VersionTLS12)
	return &Mailer{cfg: cfg, tls: tlsConfig, timeout: 30 * time.Second, now: time.Now}
}

// Message is one plain-text mail to one person.
type Message struct {
	To      string
	Subject string
	Body    string
	// Unsubscribe, if set, is the https (or http) URL that stops mail of
	// this kind: sent as List-Unsubscribe with one-click unsubscription
	// (RFC 8058), which mail programs offer as a button.
	Unsubscribe string
}

// Send delivers m to the SMTP server, or says which step failed.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	to, err := mail.ParseAddress(msg.To)
	if err != nil {
		return invalid("%q is not an email address", msg.To)
	}
	from, err := mail.ParseAddress(m.cfg.From)
	if err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	data, err := m.compose(from, to, msg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	addr := net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("mail: dial %s: %w", addr, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	if m.cfg.Security == MailTLS {
		tc := tls.Client(conn, m.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("mail: tls with %s: %w", addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, m.cfg.Host)
	if err != nil {
		return fmt.Errorf("mail: greeting from %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello(helloName(from.Address)); err != nil {
		return fmt.Errorf("mail: hello: %w", err)
	}
	if m.cfg.Security == MailSTARTTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("mail: %s does not offer STARTTLS (set security: tls or none)", addr)
		}
		if err := c.StartTLS(m.tls); err != nil {
			return fmt.Errorf("mail: starttls: %w", err)
		}
	}
	if m.cfg.Username != "" {
		// PlainAuth itself refuses to send the password over a connection
		// that is not encrypted, unless the server is on localhost.
		if err := c.Auth(smtp.PlainAuth("", m.cfg.Username, m.cfg.Password, m.cfg.Host)); err != nil {
			return fmt.Errorf("mail: authenticate: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("mail: from: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("mail: to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: data: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("mail: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("mail: quit: %w", err)
	}
	return nil
}

// compose writes the message: plain UTF-8 text, with CRLF line ends and
// headers no input can add to (the addresses were parsed; the subject is
// encoded).
func (m *Mailer) compose(from, to *mail.Address, msg Message) ([]byte, error) {
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return nil, fmt.Errorf("mail: subject has a line break")
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	header("Date", m.now().Format(time.RFC1123Z))
	header("Message-ID", "<"+rand.Text()+"@"+helloName(from.Address)+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "8bit")
	header("Auto-Submitted", "auto-generated")
	if msg.Unsubscribe != "" {
		if strings.ContainsAny(msg.Unsubscribe, "\r\n<>") {
			return nil, fmt.Errorf("mail: unsubscribe link %q cannot be a header", msg.Unsubscribe)
		}
		header("List-Unsubscribe", "<"+msg.Unsubscribe+">")
		header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	b.WriteString("\r\n")
	body := strings.ReplaceAll(msg.Body, "\r\n", "\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	if !strings.HasSuffix(body, "\n") {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// helloName is the name the node greets the server with: its sender's
// domain.
func helloName(address string) string {
	if i := strings.LastIndex(address, "@"); i >= 0 && i+1 < len(address) {
		return address[i+1:]
	}
	return "localhost"
}
