// The bench app on Go's standard FastCGI server (one goroutine per connection).
// Usage: app <unix socket path>
package main

import (
	"net"
	"net/http"
	"net/http/fcgi"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

var chunk = func() []byte {
	b := make([]byte, 64*1024)
	for i := range b {
		b[i] = 'a'
	}
	return b
}()

func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.Header().Set("Content-Length", "13")
	w.Write([]byte("Hello, world!"))
}

func bytes(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 0 {
		n = 1024 * 1024
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	for n > 0 {
		size := len(chunk)
		if n < size {
			size = n
		}
		if _, err := w.Write(chunk[:size]); err != nil {
			return
		}
		n -= size
	}
}

func main() {
	if len(os.Args) < 2 {
		os.Stderr.WriteString("usage: app <socket path>\n")
		os.Exit(2)
	}
	path := os.Args[1]
	os.Remove(path)
	listener, err := net.Listen("unix", path)
	if err != nil {
		panic(err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		listener.Close()
		os.Exit(0)
	}()
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", hello)
	mux.HandleFunc("/bytes", bytes)
	fcgi.Serve(listener, mux)
}
