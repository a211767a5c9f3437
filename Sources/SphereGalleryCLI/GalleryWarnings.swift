import Gallery

/// Warns on standard error when stored templates failed the load check and are left out of
/// search, naming a few and the command that lists them all.
func warnAboutDamage(_ gallery: Gallery) {
    let damaged = gallery.damagedTemplates
    guard !damaged.isEmpty else { return }
    printError("warning: \(damaged.count) stored template(s) of \(gallery.path) are damaged and left out of search:")
    for template in damaged.prefix(5) { printError("  template \(template.templateID): \(template.reason)") }
    if damaged.count > 5 { printError("  … and \(damaged.count - 5) more") }
    printError("  run `sphere-gallery check --db \(gallery.path)` for the full list; `export` saves the sound rows.")
}
