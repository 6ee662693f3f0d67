package localnet

// The launchpad genesis runs in every new bank through the bank's hook list.
func init() {
	genesisHooks = append(genesisHooks, installLaunchpads)
}
