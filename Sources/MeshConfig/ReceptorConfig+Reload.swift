extension ReceptorConfig {
    /// Compares this (running) config with a newly loaded one the way
    /// receptor's `reload` does.
    ///
    /// Items are compared whole, by ``ConfigItem/canonical``, so key order and
    /// item position do not matter. Only entries in ``reloadableEntryNames`` may differ.
    ///
    /// - Parameter new: The config read from the file again.
    /// - Returns: `nil` if the reload may proceed, otherwise receptor's refusal text.
    public func reloadDifference(to new: ReceptorConfig) -> String? {
        let oldFixed = items.filter { !Self.reloadableEntryNames.contains($0.name) }
        let newFixed = new.items.filter { !Self.reloadableEntryNames.contains($0.name) }
        let oldSet = Set(oldFixed.map(\.canonical))
        let newSet = Set(newFixed.map(\.canonical))
        if let added = newFixed.first(where: { !oldSet.contains($0.canonical) }) {
            return "a non-reloadable config action '\(added.name)' was modified or added. "
                + "Must restart receptor for these changes to take effect"
        }
        if let removed = oldFixed.first(where: { !newSet.contains($0.canonical) }) {
            return "a non-reloadable config action '\(removed.name)' was removed. "
                + "Must restart receptor for changes to take effect"
        }
        return nil
    }
}
