package workers

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana/metadata"
	"github.com/nitro-runtime/nitro/store"
)

func planCreate(*Deps, *jobs.CreateTokenMetadataPayload) []phase { return []phase{phUpload, phMint} }

// createdToken is the result of create_token_metadata.
type createdToken struct {
	TokenAddress string `json:"tokenAddress"`
	MetadataURI  string `json:"metadataUri"`
}

func runCreateTokenMetadata(ctx context.Context, j *job, p *jobs.CreateTokenMetadataPayload) (any, error) {
	return j.createToken(ctx, p.TokenMetadata, "", false)
}

// createToken uploads the metadata (unless hostedURI is given), reserves the mint
// keypair (sealed in the store before anything can use it), registers the launch
// and announces `created`. Each part is checkpointed, so a retry redoes nothing.
func (j *job) createToken(ctx context.Context, m jobs.TokenMetadata, hostedURI string, mixing bool) (createdToken, error) {
	j.rep.Update(func(d *progress.Details) { d.TokenName, d.TokenSymbol = m.Name, m.Symbol })
	var out createdToken
	if ok, err := j.done(ctx, "created", &out); err != nil || ok {
		j.setToken(out.TokenAddress)
		return out, err
	}
	j.enter(phUpload.key)
	uri, err := j.uploadMetadata(ctx, m, hostedURI)
	if err != nil {
		return out, err
	}
	j.rep.Progress(100)
	j.enter(phMint.key)
	mint, err := j.reserveMint(ctx, m)
	if err != nil {
		return out, err
	}
	out = createdToken{TokenAddress: mint.PublicKey().String(), MetadataURI: uri}
	err = j.d.Store.RegisterLaunch(ctx, store.Launch{TokenAddress: out.TokenAddress, UserID: j.user, Platform: m.Platform,
		Name: m.Name, Symbol: m.Symbol, MetadataURI: uri, JobID: j.id, Mixing: mixing, MintSecret: store.Secret(mint)})
	if err != nil {
		return out, fmt.Errorf("register launch: %w", err)
	}
	j.setToken(out.TokenAddress)
	msg := fmt.Sprintf("%s (%s) reserved at %s; metadata uploaded", m.Name, m.Symbol, out.TokenAddress)
	if err := j.rep.LaunchStage(ctx, progress.StageCreated, progress.StageInput{Message: msg}); err != nil {
		return out, err
	}
	return out, j.save(ctx, "created", out)
}

func (j *job) uploadMetadata(ctx context.Context, m jobs.TokenMetadata, hostedURI string) (string, error) {
	if hostedURI != "" {
		return hostedURI, nil
	}
	var up struct{ URI string }
	if ok, err := j.done(ctx, "metadata", &up); err != nil || ok {
		return up.URI, err
	}
	u, err := j.d.uploader(m.Platform)
	if err != nil {
		return "", err
	}
	up.URI, err = u.Upload(ctx, metadata.Token{Name: m.Name, Symbol: m.Symbol, Description: m.Description,
		Image: metadata.Image{Source: m.Image}, Twitter: m.Twitter, Telegram: m.Telegram, Website: m.Website})
	if err != nil {
		return "", fmt.Errorf("upload metadata: %w", err)
	}
	return up.URI, j.save(ctx, "metadata", up)
}

// reserveMint returns the launch's mint keypair: the one this job already sealed, or
// a new one (ground for the vanity suffix) sealed as a wallet of kind mint first.
func (j *job) reserveMint(ctx context.Context, m jobs.TokenMetadata) (sol.PrivateKey, error) {
	var saved struct{ Token string }
	if ok, err := j.done(ctx, "mint", &saved); err != nil {
		return nil, err
	} else if ok {
		return j.key(ctx, saved.Token, "mint")
	}
	key, err := grindMint(ctx, m.VanitySuffix, j.d.Config.VanityTimeout)
	if err != nil {
		return nil, err
	}
	if _, err := j.d.Store.CreateWallet(ctx, j.user, "mint "+m.Symbol, store.WalletMint, key); err != nil {
		return nil, fmt.Errorf("seal mint keypair: %w", err)
	}
	return key, j.save(ctx, "mint", struct{ Token string }{key.PublicKey().String()})
}

// grindMint generates keypairs until one's address ends with suffix ("" = any), on
// up to four cores, for at most limit.
func grindMint(ctx context.Context, suffix string, limit time.Duration) (sol.PrivateKey, error) {
	if suffix == "" {
		return sol.NewRandomPrivateKey()
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	found := make(chan sol.PrivateKey, 1)
	for range min(runtime.NumCPU(), 4) {
		go func() {
			for n := 0; ; n++ {
				if n%256 == 0 && ctx.Err() != nil {
					return
				}
				k, err := sol.NewRandomPrivateKey()
				if err == nil && strings.HasSuffix(k.PublicKey().String(), suffix) {
					select {
					case found <- k:
					default:
					}
					cancel()
					return
				}
			}
		}()
	}
	select {
	case k := <-found:
		return k, nil
	case <-ctx.Done():
		select {
		case k := <-found:
			return k, nil
		default:
		}
		return nil, refuse("no mint address ending in %q was found within %s; use a shorter vanity suffix (1-3 characters) or none", suffix, limit)
	}
}
