"""The report's sections, one module each: pure functions of the report's inputs."""
