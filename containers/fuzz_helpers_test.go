package containers

import "github.com/xrdp-harness/xrdp-harness/containers/agent/ini"

// editCheck applies the setting with the agent's own editor.
func editCheck(s IniSetting) ([]byte, error) {
	return ini.Set([]byte("[Globals]\nport=3389\n"), s.Section, s.Key, s.Value)
}
