package localnet

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestClusterServesRPCAndPubSubOnAdjacentPorts(t *testing.T) {
	c, err := New(Config{SlotInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rpcLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := rpcLn.Addr().(*net.TCPAddr).Port
	wsLn, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+1))
	if err != nil {
		rpcLn.Close()
		t.Skipf("port %d busy: %v", port+1, err) // adjacency is what ListenAndServe does; the OS may not give it
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Serve(ctx, rpcLn, wsLn) }()

	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(5 * time.Second)
	for call(t, url, "getSlot") == "0" { // the ticker advances slots on its own
		if time.Now().After(deadline) {
			t.Fatal("slot never advanced")
		}
		time.Sleep(5 * time.Millisecond)
	}
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	conn, _, err := websocket.Dial(wctx, fmt.Sprintf("ws://127.0.0.1:%d", port+1), nil)
	if err != nil {
		t.Fatal(err)
	}
	wsRoundTrip(t, wctx, conn, `{"jsonrpc":"2.0","id":1,"method":"slotSubscribe"}`)
	if got := wsRoundTrip(t, wctx, conn, ""); !strings.Contains(got, "slotNotification") {
		t.Fatalf("got %s", got)
	}
	conn.CloseNow()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

func TestGenesisHooksRun(t *testing.T) {
	called := false
	genesisHooks = append(genesisHooks, func(*Bank) error { called = true; return nil })
	defer func() { genesisHooks = genesisHooks[:len(genesisHooks)-1] }()
	c, err := New(Config{SlotInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !called {
		t.Fatal("genesis hook not called")
	}
	if c.bank.Balance(c.faucet.PublicKey()) == 0 {
		t.Fatal("faucet not funded")
	}
}
