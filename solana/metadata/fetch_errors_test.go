package metadata

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

type dnsFailure struct{}

func (dnsFailure) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, &net.DNSError{Err: "no such host", Name: "img.invalid", IsNotFound: true}
}

// TestImageFetchFailuresThatWillNotMend: an image URL whose host does not exist,
// that answers 404, or that points into our own network fails as ErrInvalid (the
// job fails at once); a 503 or 429 stays retryable.
func TestImageFetchFailuresThatWillNotMend(t *testing.T) {
	status := http.StatusNotFound
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		client    *http.Client
		status    int
		permanent bool
	}{
		{"404", srv.Client(), http.StatusNotFound, true},
		{"410", srv.Client(), http.StatusGone, true},
		{"503", srv.Client(), http.StatusServiceUnavailable, false},
		{"429", srv.Client(), http.StatusTooManyRequests, false},
		{"unknown host", &http.Client{Transport: dnsFailure{}}, 0, true},
		{"our own network", PublicHTTPClient(0), 0, true},
	} {
		status = c.status
		_, err := fetchImage(ctx, c.client, srv.URL+"/a.png")
		if err == nil || errors.Is(err, ErrInvalid) != c.permanent {
			t.Errorf("%s: err %v, want permanent=%v", c.name, err, c.permanent)
		}
	}
}
