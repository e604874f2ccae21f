package rfb

import "fmt"

// ProtocolError: the server sent something that is not RFB at Step
// ("banner", "security", "auth", "security-result", "server-init").
type ProtocolError struct {
	Step   string
	Reason string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("bad %s: %s", e.Step, e.Reason)
}
