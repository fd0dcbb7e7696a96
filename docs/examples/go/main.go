// A minimal WebSocket gateway that honours the drain contract (docs/drain-contract.md),
// with the Go standard library only: the RFC 6455 handshake and framing are written out below.
//
// Run:   DRAIN_SECONDS=1800 PORT=8080 GATEWAY_VERSION=v1 go run .
// Check: go build -o drain-gateway . && npm run conformance -- --cmd ./drain-gateway (docs/conformance.md)
package main

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	closeServiceRestart = 1012 // the contract's close code (Service Restart)
	opContinuation      = 0x0
	opText              = 0x1
	opBinary            = 0x2
	opClose             = 0x8
	opPing              = 0x9
	opPong              = 0xA
	// how long a close handshake may take before the socket is dropped
	closeTimeout = 10 * time.Second
	// RFC 6455 section 1.3
	acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
)

var (
	version  = envOr("GATEWAY_VERSION", "dev")
	mu       sync.Mutex
	draining bool
	conns    = map[*conn]struct{}{}
)

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

type conn struct {
	raw       net.Conn
	rw        *bufio.ReadWriter
	writeMu   sync.Mutex
	closeSent bool
}

func (c *conn) writeFrame(opcode byte, payload []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	header := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		header = append(header, byte(n))
	case n < 1<<16:
		header = append(header, 126, byte(n>>8), byte(n))
	default:
		header = append(header, 127)
		header = binary.BigEndian.AppendUint64(header, uint64(n))
	}
	if _, err := c.rw.Write(append(header, payload...)); err != nil {
		return err
	}
	return c.rw.Flush()
}

// startClose sends a close frame once; the read loop ends the connection when the client answers.
func (c *conn) startClose(code uint16, reason string) {
	c.writeMu.Lock()
	sent := c.closeSent
	c.closeSent = true
	c.writeMu.Unlock()
	if sent {
		return
	}
	payload := binary.BigEndian.AppendUint16(nil, code)
	_ = c.writeFrame(opClose, append(payload, reason...))
	_ = c.raw.SetReadDeadline(time.Now().Add(closeTimeout))
}

// readFrame reads one frame (client frames are masked) and returns FIN, opcode and payload.
func (c *conn) readFrame() (bool, byte, []byte, error) {
	var head [2]byte
	if _, err := io.ReadFull(c.rw, head[:]); err != nil {
		return false, 0, nil, err
	}
	fin, opcode, masked := head[0]&0x80 != 0, head[0]&0x0F, head[1]&0x80 != 0
	length := uint64(head[1] & 0x7F)
	switch length {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(c.rw, ext[:]); err != nil {
			return false, 0, nil, err
		}
		length = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(c.rw, ext[:]); err != nil {
			return false, 0, nil, err
		}
		length = binary.BigEndian.Uint64(ext[:])
	}
	if !masked || length > 1<<20 {
		return false, 0, nil, errors.New("protocol error")
	}
	var mask [4]byte
	if _, err := io.ReadFull(c.rw, mask[:]); err != nil {
		return false, 0, nil, err
	}
	payload := make([]byte, length)
	if _, err := io.ReadFull(c.rw, payload); err != nil {
		return false, 0, nil, err
	}
	for i := range payload {
		payload[i] ^= mask[i%4]
	}
	return fin, opcode, payload, nil
}

// serve echoes messages until the close handshake ends, then forgets the connection.
func (c *conn) serve() {
	defer func() {
		c.raw.Close()
		mu.Lock()
		delete(conns, c)
		last := draining && len(conns) == 0
		mu.Unlock()
		if last {
			os.Exit(0) // exit when no connection is left
		}
	}()
	for {
		fin, opcode, payload, err := c.readFrame()
		if err != nil {
			return
		}
		switch opcode {
		case opText, opBinary, opContinuation:
			first := opcode
			if fin {
				_ = c.writeFrame(first, payload)
			} else {
				// a fragmented message: echo it whole once complete
				for !fin {
					var more []byte
					fin, _, more, err = c.readFrame()
					if err != nil {
						return
					}
					payload = append(payload, more...)
				}
				_ = c.writeFrame(first, payload)
			}
		case opPing:
			_ = c.writeFrame(opPong, payload)
		case opClose:
			code := uint16(1000)
			if len(payload) >= 2 {
				code = binary.BigEndian.Uint16(payload)
			}
			c.startClose(code, "") // answer the client's close, or this was the answer to ours
			return
		}
	}
}

func upgrade(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Sec-WebSocket-Key")
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || key == "" {
		http.NotFound(w, r)
		return
	}
	mu.Lock()
	refuse := draining
	mu.Unlock()
	if refuse {
		// no new upgrades on a pod that is leaving
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	raw, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	sum := sha1.Sum([]byte(key + acceptGUID))
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: %s\r\nX-Gateway-Version: %s\r\n\r\n", // version identity
		base64.StdEncoding.EncodeToString(sum[:]), version)
	if rw.Flush() != nil {
		raw.Close()
		return
	}
	c := &conn{raw: raw, rw: rw}
	mu.Lock()
	conns[c] = struct{}{}
	mu.Unlock()
	go c.serve()
}

// drain closes the open connections spread uniformly over drainSeconds, with jitter:
// connection i of n closes at a random moment of slot i.
func drain(drainSeconds float64) {
	mu.Lock()
	draining = true // readiness fails, no new upgrades
	open := make([]*conn, 0, len(conns))
	for c := range conns {
		open = append(open, c)
	}
	mu.Unlock()
	if len(open) == 0 {
		os.Exit(0)
	}
	rand.Shuffle(len(open), func(i, j int) { open[i], open[j] = open[j], open[i] })
	slot := time.Duration(drainSeconds * float64(time.Second) / float64(len(open)))
	if os.Getenv("BROKEN") == "close-all" {
		slot = 0 // plays the mistake the conformance check catches: every socket closed at once
	}
	for i, c := range open {
		c := c
		delay := time.Duration((float64(i) + rand.Float64()) * float64(slot))
		time.AfterFunc(delay, func() { c.startClose(closeServiceRestart, "service restart") })
	}
}

func main() {
	drainSeconds, err := strconv.ParseFloat(envOr("DRAIN_SECONDS", "1800"), 64)
	if err != nil || drainSeconds <= 0 {
		fmt.Fprintf(os.Stderr, "DRAIN_SECONDS=%q is not a positive number of seconds\n", os.Getenv("DRAIN_SECONDS"))
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/livez", func(w http.ResponseWriter, _ *http.Request) { // stays healthy while draining
		w.Write([]byte("ok"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { // fails while draining
		mu.Lock()
		failing := draining
		mu.Unlock()
		if failing {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("/", upgrade)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM)
	go func() {
		<-signals
		drain(drainSeconds)
	}()

	listener, err := net.Listen("tcp", net.JoinHostPort(os.Getenv("HOST"), envOr("PORT", "8080")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %d\n", listener.Addr().(*net.TCPAddr).Port)
	fmt.Fprintln(os.Stderr, http.Serve(listener, mux))
	os.Exit(1)
}
