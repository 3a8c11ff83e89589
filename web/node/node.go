// Package node assembles one copse node: storage, the federation engine
// and every HTTP face behind one chi router. cmd/copse runs it; tests
// start several in one process.
package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/cors"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/ap"
	"github.com/copse-dev/copse/web/api"
	webauth "github.com/copse-dev/copse/web/auth"
	"github.com/copse-dev/copse/web/copseapi"
	"github.com/copse-dev/copse/web/dashboard"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/pages"
	"github.com/copse-dev/copse/web/wellknown"
)

// Version is the software version, set at build time with
// -ldflags "-X github.com/copse-dev/copse/web/node.Version=...".
var Version = "0.1.0-dev"

// GCPercent is the garbage collector's target that copse serve sets
// unless the GOGC environment variable says otherwise: a node's live heap
// is tens of megabytes, so collecting half as often as Go's default (100)
// costs little memory and saves about a tenth of the CPU a timeline
// request takes. The benchmarks set it too, to measure what serve runs.
const GCPercent = 200

// requestTimeout bounds every request but streaming ones.
const requestTimeout = 30 * time.Second

// maxBody bounds request bodies where a handler sets no tighter limit.
const maxBody = 8 << 20

// Node is one running copse node.
type Node struct {
	Config  Config
	Store   *storage.Store
	Engine  *federation.Engine
	log     *slog.Logger
	router  chi.Router
	pages   *pages.Handler
	auth    *webauth.Server
	admin   *dashboard.Dashboard
	metrics *metrics
}

// Open opens the node's database (creating the data directory), makes sure
// its instance actor exists, and builds its router. It starts no workers:
// call Run for that.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	store, err := storage.Open(ctx, dbPath(cfg))
	if err != nil {
		return nil, err
	}
	return open(ctx, cfg, store, log)
}

// OpenExisting opens, for an administration command, a node that has
// started before: it refuses a data directory without a database rather
// than make an empty one. With adopt it takes the node's host and
// protocol from its database instead of cfg, so a command run without the
// server's exact settings still acts as that node.
func OpenExisting(ctx context.Context, cfg Config, log *slog.Logger, adopt bool) (*Node, error) {
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("config: data directory is empty")
	}
	if _, err := os.Stat(dbPath(cfg)); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no copse database in %s: start the node once with copse serve, or give the --data-dir it uses", cfg.DataDir)
	}
	store, err := storage.Open(ctx, dbPath(cfg))
	if err != nil {
		return nil, err
	}
	if adopt {
		base, err := federation.RecordedBaseURL(ctx, store)
		if err != nil {
			store.Close()
			return nil, err
		}
		if u, err := url.Parse(base); err == nil && u.Host != "" {
			cfg.Protocol, cfg.Host = u.Scheme, u.Host
			cfg.InsecureHTTP = cfg.InsecureHTTP || u.Scheme == "http"
		}
	}
	if err := cfg.Validate(); err != nil {
		store.Close()
		return nil, err
	}
	return open(ctx, cfg, store, log)
}

func dbPath(cfg Config) string { return filepath.Join(cfg.DataDir, "copse.db") }

// open builds the node on its opened store, which it closes on failure.
func open(ctx context.Context, cfg Config, store *storage.Store, log *slog.Logger) (*Node, error) {
	if cfg.Tuning.Now != nil {
		store.Now = cfg.Tuning.Now
	}
	m := newMetrics(store)
	store.ObserveTx = m.observeTx
	urls := federation.URLs{Base: cfg.BaseURL()}
	scheme := "https"
	if cfg.Protocol == "http" {
		scheme = "http" // a test or demo network
	}
	var mailer *federation.Mailer
	if cfg.SMTP.Enabled() {
		mailer = federation.NewMailer(cfg.SMTP, cfg.Tuning.MailTLS)
	}
	engine := federation.New(store, federation.Options{
		URLs:            urls,
		Client:          federation.NewHTTPClient(federation.TransportOptions{AllowPrivate: cfg.AllowPrivate, UserAgent: "copse/" + Version + " (+" + urls.Base + ")"}),
		RemoteScheme:    scheme,
		RetrySchedule:   cfg.Tuning.RetrySchedule,
		InboxRetry:      cfg.Tuning.InboxRetry,
		PollInterval:    cfg.Tuning.PollInterval,
		PollUpdateDelay: cfg.Tuning.PollUpdateDelay,
		MailDelay:       cfg.Tuning.MailDelay,
		NoActionLimits:  cfg.Tuning.NoActionLimits,
		MediaDir:        filepath.Join(cfg.DataDir, "media"),
		Now:             cfg.Tuning.Now,
		NewKey:          cfg.Tuning.NewKey,
		About: federation.About{Name: cfg.Name, Description: cfg.Description, Contact: cfg.Contact, Rules: cfg.Rules,
			PrivacyNotice: cfg.PrivacyNotice, AccessibilityStatement: cfg.AccessibilityStatement},
		Log:                    log,
		OnDelivery:             m.observeDelivery,
		ArtefactFileLimit:      cfg.ArtefactFileLimit,
		ArtefactCommunityLimit: cfg.ArtefactCommunityLimit,
		Registration:           cfg.Registration,
		CommunityCreators:      cfg.CommunityCreators,
		Mailer:                 mailer,
		PolicyListRefresh:      cfg.PolicyListRefresh,
	})
	if err := engine.Init(ctx); err != nil {
		store.Close()
		return nil, err
	}
	pg, err := pages.New(engine, pages.Options{Version: Version, Log: log})
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("parse page templates: %w", err)
	}
	signIn, err := webauth.New(engine, webauth.Options{Now: cfg.Tuning.Now, Log: log, Layout: pg.Layout()})
	if err != nil {
		store.Close()
		return nil, err
	}
	admin, err := dashboard.New(engine, dashboard.Options{Layout: pg.Layout(), Errors: pg, Log: log})
	if err != nil {
		store.Close()
		return nil, err
	}
	n := &Node{Config: cfg, Store: store, Engine: engine, log: log, pages: pg, auth: signIn, admin: admin, metrics: m}
	n.router = n.routes()
	return n, nil
}

func (n *Node) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(n.metrics.middleware)
	r.Use(middleware.Recoverer)
	r.Use(limitBody(maxBody, n.Engine.ArtefactFileLimit()+copseapi.UploadOverhead))
	// Browser apps (Elk, Phanpy) call the API and OAuth endpoints from
	// their own origin; tokens, not cookies, authenticate them.
	r.Use(cors.Handler(cors.Options{
		AllowedOrigins:   []string{"*"},
		AllowedMethods:   []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Idempotency-Key", "Accept"},
		ExposedHeaders:   []string{"Link", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"},
		AllowCredentials: false,
		MaxAge:           600,
	}))
	// Browsers get an error page; apps and peers the JSON they always had.
	r.NotFound(n.pages.NotFound)
	r.MethodNotAllowed(n.pages.MethodNotAllowed)
	apiHandler := api.New(n.Engine, api.Options{Version: Version, Now: n.Config.Tuning.Now, Log: n.log,
		RateLimit: api.RateLimit{Requests: n.Config.Tuning.RateLimitRequests, Window: n.Config.Tuning.RateLimitWindow},
		Auth:      n.auth})
	// Streams are long-lived; every other request has a deadline.
	apiHandler.MountStreaming(r)
	r.Group(func(r chi.Router) {
		timeout := requestTimeout
		if n.Config.Tuning.RequestTimeout > 0 {
			timeout = n.Config.Tuning.RequestTimeout
		}
		r.Use(middleware.Timeout(timeout))
		r.Get("/healthz", n.health)
		if n.Config.MetricsToken != "" && n.Config.MetricsListen == "" {
			r.Method(http.MethodGet, "/metrics", n.metrics.handler(n.Config.MetricsToken))
		}
		media := api.MediaFiles(n.Engine.MediaDir())
		r.Method(http.MethodGet, "/media/*", media)
		r.Method(http.MethodHead, "/media/*", media)
		r.Get("/avatars/original/missing.png", api.DefaultImage)
		r.Get("/headers/original/missing.png", api.DefaultImage)
		wellknown.New(n.Engine.Reader(), n.Engine.URLs(), Version, time.Now, n.log).RefuseSigners(n.Engine.RefuseSigner).Mount(r)
		n.auth.Mount(r)
		// Pages see the member signed in from the browser (web/auth.Member).
		r.Group(func(r chi.Router) {
			r.Use(n.auth.LoadSession, apiHandler.LimitForms(n.pages.Error))
			n.pages.Mount(r)
			n.admin.Mount(r)
		})
		apiHandler.Mount(r)
		copseapi.New(n.Engine, apiHandler, n.log).Mount(r)
		ap.New(n.Engine, ap.Options{AuthorizedFetch: n.Config.AuthorizedFetch, Now: time.Now, Log: n.log,
			HTML: http.HandlerFunc(n.pages.Redirect)}).Mount(r)
	})
	return r
}

// healthTimeout bounds the health check's database read.
const healthTimeout = 2 * time.Second

// health answers GET /healthz, for load balancers and monitoring: 200
// with the delivery queue's depth and the number of peers being backed off
// when the database answers in time, 503 when it does not.
func (n *Node) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	queued, hosts, err := n.Store.DeliveryStats(ctx)
	if err != nil {
		n.log.WarnContext(ctx, "health check", "err", err)
		httperr.JSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "error": "database not answering"})
		return
	}
	failing := 0
	for _, h := range hosts {
		if h.Failures > 0 {
			failing++
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	httperr.JSON(w, http.StatusOK, map[string]any{"status": "ok", "version": Version,
		"deliveries_queued": queued, "peers_failing": failing})
}

func limitBody(max, artefactUpload int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil {
				limit := api.BodyLimit(r.URL.Path, max)
				switch {
				case copseapi.IsArtefactUpload(r.Method, r.URL.Path) || pages.IsArtefactUpload(r.Method, r.URL.Path):
					limit = artefactUpload
				case pages.IsPostUpload(r.Method, r.URL.Path):
					limit = pages.PostUploadBody
				}
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Handler is the node's HTTP handler.
func (n *Node) Handler() http.Handler { return n.router }

// Run starts the node's workers and blocks until ctx ends.
func (n *Node) Run(ctx context.Context) { n.Engine.Run(ctx) }

// Close closes the database. Stop Run first.
func (n *Node) Close() error { return n.Store.Close() }

// Serve listens on the configured address and serves until ctx ends,
// then shuts down gracefully: it stops taking connections, waits up to
// ten seconds for requests in flight, and stops the workers.
func (n *Node) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", n.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", n.Config.Listen, err)
	}
	return n.ServeListener(ctx, ln)
}

// ServeListener is Serve on a listener already bound, which it closes.
func (n *Node) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           n.router,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	if n.Config.MetricsListen != "" {
		mln, err := net.Listen("tcp", n.Config.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen for metrics on %s: %w", n.Config.MetricsListen, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", n.metrics.handler(n.Config.MetricsToken))
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() {
			if err := msrv.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics listener: %w", err)
			}
		}()
		defer msrv.Close()
		n.log.Info("metrics served", "listen", mln.Addr().String())
	}
	workers := make(chan struct{})
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { n.Run(wctx); close(workers) }()
	go func() { errc <- srv.Serve(ln) }()
	n.log.Info("copse serving", "listen", ln.Addr().String(), "base_url", n.Config.BaseURL(), "version", Version)
	var err error
	select {
	case err = <-errc:
		err = fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
		n.log.Info("copse stopping", "reason", context.Cause(ctx))
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err = srv.Shutdown(sctx); err != nil {
			err = fmt.Errorf("shut down: %w", err)
		}
	}
	stop()
	<-workers
	if err == nil {
		n.log.Info("copse stopped")
	}
	return err
}
