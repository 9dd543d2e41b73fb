"""Request and response schemas, one module per resource (Create / Update / Public / Page); every route
declares its response_model from its resource's module."""
