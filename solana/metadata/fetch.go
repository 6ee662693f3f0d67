package metadata

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// errPrivateAddress refuses image URLs that resolve to the runtime's own network.
var errPrivateAddress = errors.New("image URL resolves to a private or local address")

// PublicHTTPClient is the default client for fetching user-supplied image URLs: it
// refuses to connect to loopback, private, link-local and unspecified addresses
// (checked on the resolved IP at dial time, so DNS tricks do not bypass it) so a
// token image URL cannot probe the runtime's internal services.
func PublicHTTPClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: refusePrivate}
	tr := &http.Transport{Proxy: nil, DialContext: dialer.DialContext, TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns: 4, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Timeout: timeout, Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return fmt.Errorf("%w: too many redirects", errRedirect)
		}
		if req.URL.Scheme != "https" {
			return fmt.Errorf("%w: away from https", errRedirect)
		}
		return nil
	}}
}

// errRedirect marks a redirect the image fetch refuses to follow.
var errRedirect = errors.New("redirect refused")

func refusePrivate(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("image fetch: %w", err)
	}
	ip := ap.Addr().Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return errPrivateAddress
	}
	return nil
}
