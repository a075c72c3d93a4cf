"""The HTTP edges: the app, the JSON API, admission, the OpenAI-compatible routes, MCP."""
