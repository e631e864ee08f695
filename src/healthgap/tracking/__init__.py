"""Tracking the commitments: progress returns, trajectories, status and equity."""
