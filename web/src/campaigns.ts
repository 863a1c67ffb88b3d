// Campaigns over the API: the wire types of `api_types::campaigns` and the calls the campaign
// page and the school's home page make.

import type { Api } from "./api";

/** A campaign, as listed. */
export interface CampaignView {
  id: number;
  region: string;
  region_name: string;
  year: number;
  title: string;
  submit_by: string;
  decide_by: string;
  remind_days: number;
  owes: Record<string, string[]>;
  schools: number;
  opened_by: string;
  opened_at: string;
}

/** One document a school owes, and where it stands. */
export interface ObligationRow {
  school: string;
  school_name: string;
  municipality: string;
  municipality_name: string;
  category: string;
  category_ru: string;
  form: string;
  form_ru: string;
  document: string | null;
  status: string | null;
  status_ru: string;
  submitted_at: string | null;
  approved_at: string | null;
  missing: boolean;
  late_submission: boolean;
  late_decision: boolean;
  summary_ru: string;
}

/** A municipality's counts. */
export interface MunicipalityCounts {
  municipality: string;
  municipality_name: string;
  schools: number;
  owed: number;
  submitted: number;
  approved: number;
  missing: number;
  late: number;
}

/** `GET /api/campaigns/{id}/status`. */
export interface CampaignStatus {
  campaign: CampaignView;
  today: string;
  rows: ObligationRow[];
  municipalities: MunicipalityCounts[];
}

/** A reminder to a school. */
export interface ReminderView {
  id: number;
  campaign: number;
  campaign_title: string;
  school: string;
  form: string;
  kind: string;
  due: string;
  created_at: string;
  message: string;
}

/** `GET /api/obligations`. */
export interface ObligationsView {
  campaigns: { campaign: CampaignView; rows: ObligationRow[] }[];
  reminders: ReminderView[];
}

/** The campaigns the user may see, newest first. */
export function campaigns(api: Api): Promise<CampaignView[]> {
  return api.call("GET", "/api/campaigns");
}

/** Where campaign `id` stands for the schools the user may see. */
export function campaignStatus(api: Api, id: number): Promise<CampaignStatus> {
  return api.call("GET", `/api/campaigns/${id}/status`);
}

/** The campaign's status as a CSV or XLSX file. */
export async function campaignExport(api: Api, id: number, format: "csv" | "xlsx"): Promise<Blob> {
  const response = await api.send("GET", `/api/campaigns/${id}/export?format=${format}`);
  return response.blob();
}

/** The user's schools' obligations and reminders. */
export function obligations(api: Api): Promise<ObligationsView> {
  return api.call("GET", "/api/obligations");
}

/** `2026-09-30` (or a timestamp) as «30.09.2026»; empty for none. */
export function russianDate(day: string | null): string {
  if (!day) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : day;
}

/** The CSS class of a row: late, missing, done or nothing particular. */
export function rowClass(row: ObligationRow): string {
  if (row.missing) return "missing";
  if (row.late_submission || row.late_decision) return "late";
  if (row.status === "approved" || row.status === "collected") return "done";
  return "";
}
