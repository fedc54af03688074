"""Intelligent voice services: flows, lines, tasks and customers, the robot conversation."""
