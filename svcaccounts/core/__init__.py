"""The pure core: model, settings types, time, rotation, naming, plan, review, rotation status,
verification and the contracts. No Pulumi, no YAML reading, no rendering."""
