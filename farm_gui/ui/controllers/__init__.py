"""Controllers the main window is composed from: runs, exports, continuation, workspaces,
AgentFarm imports and the run table's menu. Each gets the window's state and the widgets it
uses in its constructor and never imports the window."""
