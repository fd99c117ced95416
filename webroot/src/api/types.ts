// Shapes of the host's REST API (docs/api.md, /api/openapi.json). Only what the UI reads.

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

export interface User {
  email: string;
  display_name: string;
  workspace_url: string | null;
  auth_mode: string;
}

export interface ProjectSettings {
  catalog: string;
  schema: string;
  warehouse_id: string | null;
  serverless: boolean;
  cluster_id: string | null;
  workspace_folder: string;
}

export interface Project {
  id: string;
  name: string;
  user_email: string;
  created_at: string;
  updated_at: string;
  conversation_count: number;
  settings: ProjectSettings;
  has_live_run?: boolean;
  backup?: { state: string; last_backup_at: string | null; error?: string };
}

export interface Conversation {
  id: string;
  project_id: string;
  title: string;
  session_id: string | null;
  created_at: string;
  updated_at: string;
}

export type StoredBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown; display_name?: string }
  | {
      type: 'tool_result';
      tool_use_id: string;
      content: unknown;
      is_error?: boolean;
      structured_content?: unknown;
    }
  | { type: 'error'; code?: string; message?: string; retryable?: boolean }
  | { type: string; [k: string]: unknown };

export interface StoredMessage {
  seq: number;
  role: 'user' | 'assistant' | 'system';
  blocks: StoredBlock[];
  content: string;
  is_error: boolean;
  run_id: string | null;
  created_at: string;
}

export interface ConversationDetail extends Conversation {
  messages: StoredMessage[];
  next_after_seq: number | null;
  active_run_id: string | null;
}

export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export interface Run {
  id: string;
  conversation_id?: string;
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  live: boolean;
  started_at: string | null;
  ended_at: string | null;
  usage: Usage | null;
  cost_usd: number | null;
  error: { code: string; message: string } | null;
  events_url?: string;
}

export interface FileEntry {
  name: string;
  path: string;
  type: 'directory' | 'file' | 'symlink' | 'other';
  modified_at: string;
  size?: number;
  children?: FileEntry[];
}

export interface FileTree {
  entries: FileEntry[];
  entry_count: number;
  path: string;
  truncated: boolean;
}

export interface Skill {
  name: string;
  description: string;
  enabled: boolean;
  installed: boolean;
}

export interface SkillsInfo {
  all_enabled: boolean;
  enabled_count: number;
  total_count: number;
  skills: Skill[];
  source: { available?: boolean; detail?: string; invalid?: { folder: string; file: string; reason: string }[] };
}

/** One entry of GET /api/projects/{id}/databricks/{kind}. */
export interface DatabricksItem {
  id: string;
  name: string;
  state?: string;
  detail?: string;
}

export type DatabricksKind = 'catalogs' | 'schemas' | 'warehouses' | 'clusters';

export interface DatabricksList {
  items: DatabricksItem[];
  /** warehouses only: the one the SQL tool would pick when none is set */
  suggested?: string;
  truncated?: boolean;
}

export interface ToolInfo {
  name: string;
  plugin: string;
  description: string;
  title?: string;
  enabled: boolean;
  /** why it is off: the project's list ("settings") or no gating skill enabled ("skills") */
  off_because: 'settings' | 'skills' | null;
  /** the skills that gate it (any one of them enabled turns it on) */
  skills: string[];
}

export interface ToolsInfo {
  tools: ToolInfo[];
  /** the names the project turned off (what PUT replaces) */
  disabled: string[];
}

export interface PluginInfo {
  id: string;
  kinds?: string[];
  version?: string;
  state: string;
  required?: boolean;
  description?: string;
  error?: string;
  health?: Record<string, { status: string; detail?: string; [k: string]: unknown }>;
}

export interface Health {
  status: string;
  version: string;
  abi: string;
  uptime_s?: number;
  plugins: PluginInfo[];
  problems: string[];
  runs?: { live: number; held: number; unsaved: number };
  storage?: { plugin?: string; status?: string; detail?: string; reachable?: boolean };
}
