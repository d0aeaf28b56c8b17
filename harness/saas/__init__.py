"""The reference SaaS brought up on a target: bootstrap, tenant pipeline, onboarding, the main job."""
