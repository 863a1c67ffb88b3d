// The administrator's edits (organisations, users, roles, curator assignments) and the
// curator's page, on the same client as the rest of the API.

import { type AdminUser, Api, type DocumentSummary, type OrgView } from "./api";

/** An organisation as the administrator edits it. */
export interface AdminOrganisation {
  id: string;
  /** `region`, `municipality`, `school`, `mentor-school`. */
  kind: string;
  kind_ru: string;
  parent: string | null;
  name: string;
}

/** A document of a curated school with its latest submission's findings. */
export interface CuratedDocument {
  document: DocumentSummary;
  judged_round: number | null;
  errors: number;
  warnings: number;
  findings: string[];
}

/** A school assigned to the curator, with its documents. */
export interface CuratedSchool {
  school: OrgView;
  municipality: OrgView | null;
  documents: CuratedDocument[];
}

/** The roles an administrator grants, with the kinds of organisation each fits. */
export const ROLES: { role: string; ru: string; kinds: string[] }[] = [
  { role: "school-editor", ru: "редактор (школа)", kinds: ["school"] },
  { role: "school-director", ru: "директор школы", kinds: ["school"] },
  { role: "mentor-editor", ru: "редактор (школа-наставник)", kinds: ["mentor-school"] },
  { role: "mentor-director", ru: "директор школы-наставника", kinds: ["mentor-school"] },
  { role: "municipal-reviewer", ru: "специалист муниципалитета", kinds: ["municipality"] },
  { role: "regional-coordinator", ru: "региональный координатор", kinds: ["region"] },
  { role: "curator", ru: "куратор", kinds: ["region", "municipality"] },
  { role: "administrator", ru: "администратор", kinds: ["region", "municipality", "school", "mentor-school"] },
];

const user = (login: string) => `/api/admin/users/${encodeURIComponent(login)}`;
const org = (id: string) => `/api/admin/organisations/${encodeURIComponent(id)}`;

/** The API with the administrator's and the curator's calls. */
export class AdminApi extends Api {
  organisations_(): Promise<AdminOrganisation[]> {
    return this.call("GET", "/api/admin/organisations");
  }

  addOrganisation(body: { id: string; kind: string; parent: string; name: string }): Promise<AdminOrganisation> {
    return this.call("POST", "/api/admin/organisations", body);
  }

  renameOrganisation(id: string, name: string): Promise<AdminOrganisation> {
    return this.call("POST", `${org(id)}/name`, { name });
  }

  moveSchool(id: string, municipality: string): Promise<AdminOrganisation> {
    return this.call("POST", `${org(id)}/municipality`, { municipality });
  }

  addUser(body: { login: string; display_name: string; password: string }): Promise<AdminUser> {
    return this.call("POST", "/api/admin/users", body);
  }

  setActive(login: string, active: boolean): Promise<{ revoked: number }> {
    return this.call("POST", `${user(login)}/active`, { active });
  }

  grant(login: string, orgId: string, role: string): Promise<AdminUser> {
    return this.call("POST", `${user(login)}/roles`, { org: orgId, role });
  }

  withdraw(login: string, orgId: string, role: string): Promise<AdminUser> {
    return this.call("POST", `${user(login)}/roles/withdraw`, { org: orgId, role });
  }

  assign(login: string, school: string): Promise<AdminUser> {
    return this.call("POST", `${user(login)}/schools`, { school });
  }

  unassign(login: string, school: string): Promise<AdminUser> {
    return this.call("POST", `${user(login)}/schools/withdraw`, { school });
  }

  curatedSchools(): Promise<CuratedSchool[]> {
    return this.call("GET", "/api/curator/schools");
  }
}
