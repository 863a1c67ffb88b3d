// The REST API (`/api`) as the app calls it: typed answers, errors carrying the server's
// Russian message. The wire format is `crates/api-types`.

import type { Report } from "./findings";

/** `POST /api/login`'s answer. */
export interface LoginResponse {
  token: string;
  user: string;
  display_name: string;
  expires_in: number;
}

/** An organisation by id and name. */
export interface OrgView {
  id: string;
  name: string;
}

/** A role of the user. */
export interface RoleView {
  org: string;
  org_name: string;
  role: string;
  role_ru: string;
}

/** `GET /api/whoami`. */
export interface WhoAmI {
  user: string;
  display_name: string;
  roles: RoleView[];
  curated: string[];
}

/** A school's outcome in an identification (`GET /api/schools/{school}/identification`). */
export interface IdentifiedSchoolView {
  school: string;
  name: string;
  categories: { id: string; title: string }[];
  status: string | null;
  reasons: string[];
}

/** The identification in effect for a school, when a confirmed one names it. */
export interface SchoolIdentification {
  school: string;
  in_effect: {
    id: number;
    year: number;
    method_id: string;
    state_ru: string;
    confirmed_at: string | null;
    schools: IdentifiedSchoolView[];
  } | null;
}

/** A school or mentor school of the user's region. */
export interface OrganisationView {
  id: string;
  name: string;
  kind: "school" | "mentor-school";
  municipality: OrgView | null;
}

/** A document as listed. */
export interface DocumentSummary {
  id: string;
  form: string;
  form_ru: string;
  region: string;
  owner_school: OrgView;
  municipality: OrgView | null;
  parties: OrgView[];
  status: string;
  status_ru: string;
  round: number;
  created_at: string;
  updated_at: string;
  permissions: string[];
}

/** A reviewer's comment at a field. */
export interface CommentView {
  pointer: string;
  field: string | null;
  text: string;
  /** The passage of a narrative the comment is on, if not the whole field. */
  passage?: Passage;
  /** The passage's words as submitted, quoted by the server (present with `passage`). */
  quote?: string;
}

/** A passage of a narrative's plain text (`narrative/plain.ts`): characters `start` up to
 * `end` (not included), counted in code points as `Array.from(text)` yields them, not UTF-16
 * units, as the server counts Rust `char`s. */
export interface Passage {
  start: number;
  end: number;
}

/** A director's signature. */
export interface SignatureView {
  party: OrgView;
  signed_by: string;
  signed_at: string;
  content_sha256: string;
}

/** One submission and its fate. */
export interface SubmissionView {
  round: number;
  heads: string[];
  submitted_by: string;
  submitted_at: string;
  signatures: SignatureView[];
  verdict: string | null;
  reviewed_by: string | null;
  decided_at: string | null;
  comments: CommentView[];
}

/** A document with its lifecycle. */
export interface DocumentDetail extends DocumentSummary {
  heads: string[];
  submissions: SubmissionView[];
}

/** `POST /api/documents/{id}/submissions`' answer. */
export interface SubmitResponse {
  document: DocumentSummary;
  round: number;
  heads: string[];
  content_sha256: string;
  report: Report;
}

/** One changed field between two versions. */
export interface ChangeView {
  pointer: string;
  field: string;
  kind: "added" | "removed" | "changed" | string;
  old: unknown;
  new: unknown;
}

/** `GET /api/documents/{id}/diff`: what changed since the round the caller last decided. */
export interface DiffView {
  from_round: number | null;
  from: string[];
  to: string[];
  changes: ChangeView[];
}

/** A comment to attach to a return. */
export interface NewComment {
  pointer: string;
  text: string;
  /** Only on a narrative field: the passage the comment is on (the server quotes it). */
  passage?: Passage;
}

/** Filters of the regional registry; absent means any. */
export interface RegistryFilter {
  municipality?: string;
  school?: string;
  form?: string;
  status?: string;
  from?: string;
  to?: string;
}

/** One approved submission in the regional registry. */
export interface RegistryRow {
  document: string;
  round: number;
  school: string;
  school_name: string;
  municipality: string;
  municipality_name: string;
  form: string;
  form_ru: string;
  status: string;
  status_ru: string;
  submitted_at: string;
  decided_at: string;
  collected_at: string | null;
  starts: string | null;
  ends: string | null;
  amount: number | null;
  indicators: string;
  requirements: string;
  content_sha256: string;
}

/** How many documents of one municipality are in one status. */
export interface DashboardCell {
  municipality: string;
  municipality_name: string;
  status: string;
  status_ru: string;
  count: number;
}

/** A finding reported in the latest submissions, with its documents. */
export interface FindingCount {
  rule: string;
  severity: string;
  example: string;
  count: number;
  documents: string[];
}

/** `GET /api/dashboard`. */
export interface DashboardView {
  cells: DashboardCell[];
  findings: FindingCount[];
}

/** An account as the administrator sees it. */
export interface AdminUser {
  user: string;
  display_name: string;
  roles: RoleView[];
  /** Whether the account may log in. */
  active: boolean;
  /** The schools the user curates. */
  curated: OrgView[];
}

/** One row of the audit log. */
export interface AuditRowView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  hash: string;
}

/** Filters of the audit log. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  subject?: string;
  /** From this day (`YYYY-MM-DD`). */
  from?: string;
  /** Up to this day, inclusive. */
  to?: string;
}

/** Whether the audit log's hash chain holds. */
export interface AuditCheck {
  holds: boolean;
  rows: number;
  broken_at: number | null;
  problem: string | null;
}

/** The query string of filters (empty ones left out). */
export function registryQuery(filter: RegistryFilter | AuditFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filter, ...extra })) {
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** An error answer of the API, or no answer at all (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }

  /** Whether the server could not be reached. */
  get offline(): boolean {
    return this.status === 0;
  }
}

/** A client of the API with an optional bearer token. */
export class Api {
  constructor(private readonly token: string | null) {}

  /** Sends a request and reads its JSON answer (null for an empty one). */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }

  /** Sends a request; an error answer (or none) is thrown as an `ApiError`. */
  async send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "offline", "нет связи с сервером");
    }
    if (response.ok) return response;
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    const error = (json ?? {}) as { error?: string; message?: string; details?: unknown };
    throw new ApiError(
      response.status,
      error.error ?? "http",
      error.message ?? `сервер ответил ошибкой ${response.status}`,
      error.details ?? null,
    );
  }

  login(user: string, password: string): Promise<LoginResponse> {
    return this.call("POST", "/api/login", { user, password });
  }

  logout(): Promise<void> {
    return this.call("POST", "/api/logout");
  }

  changePassword(current: string, next: string): Promise<{ revoked: number }> {
    return this.call("POST", "/api/password", { current_password: current, new_password: next });
  }

  whoami(): Promise<WhoAmI> {
    return this.call("GET", "/api/whoami");
  }

  schoolIdentification(school: string): Promise<SchoolIdentification> {
    return this.call("GET", `/api/schools/${encodeURIComponent(school)}/identification`);
  }

  organisations(): Promise<OrganisationView[]> {
    return this.call("GET", "/api/organisations");
  }

  documents(): Promise<DocumentSummary[]> {
    return this.call("GET", "/api/documents");
  }

  document(id: string): Promise<DocumentDetail> {
    return this.call("GET", `/api/documents/${encodeURIComponent(id)}`);
  }

  register(id: string, form: string, mentor: string | null): Promise<DocumentSummary> {
    return this.call("POST", "/api/documents", mentor ? { id, form, mentor } : { id, form });
  }

  submit(id: string, heads: string[]): Promise<SubmitResponse> {
    return this.call("POST", `/api/documents/${encodeURIComponent(id)}/submissions`, { heads });
  }

  sign(id: string): Promise<unknown> {
    return this.call("POST", `/api/documents/${encodeURIComponent(id)}/signatures`);
  }

  diff(id: string): Promise<DiffView> {
    return this.call("GET", `/api/documents/${encodeURIComponent(id)}/diff`);
  }

  review(id: string, verdict: "approve" | "return", comments: NewComment[]): Promise<DocumentSummary> {
    return this.call("POST", `/api/documents/${encodeURIComponent(id)}/review`, { verdict, comments });
  }

  collect(id: string): Promise<DocumentSummary> {
    return this.call("POST", `/api/documents/${encodeURIComponent(id)}/collect`);
  }

  registry(filter: RegistryFilter): Promise<RegistryRow[]> {
    return this.call("GET", `/api/registry${registryQuery(filter)}`);
  }

  /** The registry's export (`csv` or `xlsx`) under the same filters, as a file. */
  async export(filter: RegistryFilter, format: "csv" | "xlsx"): Promise<Blob> {
    const response = await this.send("GET", `/api/registry/export${registryQuery(filter, { format })}`);
    return response.blob();
  }

  dashboard(): Promise<DashboardView> {
    return this.call("GET", "/api/dashboard");
  }

  adminUsers(): Promise<AdminUser[]> {
    return this.call("GET", "/api/admin/users");
  }

  resetPassword(user: string, password: string): Promise<{ revoked: number }> {
    return this.call("POST", `/api/admin/users/${encodeURIComponent(user)}/password`, { new_password: password });
  }

  closeSessions(user: string): Promise<{ revoked: number }> {
    return this.call("POST", `/api/admin/users/${encodeURIComponent(user)}/sessions/close`);
  }

  audit(filter: AuditFilter): Promise<AuditRowView[]> {
    return this.call("GET", `/api/admin/audit${registryQuery(filter)}`);
  }

  verifyAudit(): Promise<AuditCheck> {
    return this.call("GET", "/api/admin/audit/verify");
  }

  /** The findings of the document's latest submission, judged as a submission is. */
  report(id: string): Promise<Report> {
    return this.call("GET", `/api/documents/${encodeURIComponent(id)}/report`);
  }
}
