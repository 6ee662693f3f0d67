package pump

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/nitro-runtime/nitro/solana/token"
)

func TestTradeEventRoundTripAndLogs(t *testing.T) {
	e := TradeEvent{Mint: gMint, SolAmount: 1, TokenAmount: 2, IsBuy: true, User: gUser, Timestamp: 3,
		VirtualSolReserves: 4, VirtualTokenReserves: 5, RealSolReserves: 6, RealTokenReserves: 7,
		FeeRecipient: gFee, FeeBasisPoints: 95, Fee: 8, Creator: gCreator, CreatorFeeBasisPoints: 30, CreatorFee: 9}
	data := EncodeTradeEvent(e)
	// Offsets of the documented prefix: sol @40, is_buy @56, fee_recipient @129, creator_fee @217.
	if binary.LittleEndian.Uint64(data[40:]) != 1 || data[56] != 1 || [32]byte(data[129:161]) != gFee ||
		binary.LittleEndian.Uint64(data[217:]) != 9 {
		t.Fatal("trade event fields misplaced")
	}
	// Newer programs append fields: they are ignored.
	long := append(append([]byte(nil), data...), make([]byte, 100)...)
	for _, d := range [][]byte{data, long, append(DiscEventCPI[:], data...)} {
		got, err := DecodeTradeEvent(d)
		if err != nil || got != e {
			t.Fatalf("decode: %v %+v", err, got)
		}
	}
	other := EncodeTradeEvent(e)
	copy(other, DiscCreateEvent[:])
	logs := []string{
		"Program 6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P invoke [1]",
		"Program data: " + base64.StdEncoding.EncodeToString(other),
		"Program data: " + base64.StdEncoding.EncodeToString(long),
		"Program log: Instruction: Buy",
	}
	events, err := TradeEventsFromLogs(logs)
	if err != nil || len(events) != 1 || events[0] != e {
		t.Fatalf("events from logs: %v %+v", err, events)
	}
	if _, err := DecodeTradeEvent(data[:100]); !errors.Is(err, ErrInvalidAccount) {
		t.Fatalf("short event: %v", err)
	}
	if _, err := TradeEventsFromLogs([]string{"Program data: !!"}); err == nil {
		t.Fatal("bad base64 accepted")
	}
}

func TestCoinFromCurve(t *testing.T) {
	curve := freshCurve()
	curve.IsCashbackCoin = true
	c, err := CoinFromCurve(gMint, token.Token2022ProgramID, curve)
	if err != nil || !c.Cashback || c.CreatorVault.String() != addrVault {
		t.Fatalf("coin %+v %v", c, err)
	}
}
