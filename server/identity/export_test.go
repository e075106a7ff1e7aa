package identity

// SendReset is the part of RequestReset that runs after the answer, made
// callable so that a test can read its outcome without waiting for it.
var SendReset = (*Service).sendReset
