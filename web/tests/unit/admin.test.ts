import { describe, expect, test } from "vitest";
import type { AdminOrganisation } from "../../src/adminApi";
import { treeOrder } from "../../src/pages/AdminOrganisations";
import { registryAddress } from "../../src/pages/DashboardPage";
import { fromAddress, toAddress } from "../../src/pages/RegistryPage";

describe("the registry's address", () => {
  test("filters, sorting and page round-trip through the address", () => {
    const address = toAddress({ municipality: "krasninsky", status: "approved", school: "" }, { key: "school_name", ascending: false }, 3);
    expect(address).toBe("/registry?municipality=krasninsky&status=approved&sort=school_name&desc=1&page=3");
    const back = fromAddress(address.slice("/registry".length));
    expect(back.filter).toEqual({ municipality: "krasninsky", status: "approved" });
    expect(back.sort).toEqual({ key: "school_name", ascending: false });
    expect(back.page).toBe(3);
  });

  test("an unknown column or a bad page is ignored", () => {
    const back = fromAddress("?sort=password&page=-4&form=school-programme");
    expect(back.sort).toBeNull();
    expect(back.page).toBe(1);
    expect(back.filter).toEqual({ form: "school-programme" });
  });

  test("only the registry's states lead to the registry", () => {
    expect(registryAddress("krasninsky", "collected")).toBe("/registry?municipality=krasninsky&status=collected");
    expect(registryAddress("krasninsky", "approved")).toBe("/registry?municipality=krasninsky&status=approved");
    expect(registryAddress("krasninsky", "submitted")).toBeNull();
  });
});

describe("the organisation tree", () => {
  const org = (id: string, kind: string, parent: string | null, name: string): AdminOrganisation => ({ id, kind, kind_ru: kind, parent, name });

  test("each organisation comes before what belongs to it, siblings by name", () => {
    const order = treeOrder([
      org("krasnoe", "school", "krasninsky", "Красное"),
      org("city", "municipality", "lipetsk", "Город"),
      org("lipetsk", "region", null, "Липецкая область"),
      org("krasninsky", "municipality", "lipetsk", "Краснинский"),
      org("alekseevka", "school", "krasninsky", "Алексеевка"),
    ]);
    expect(order.map((o) => `${o.depth}:${o.org.id}`)).toEqual(["0:lipetsk", "1:city", "1:krasninsky", "2:alekseevka", "2:krasnoe"]);
  });

  test("an organisation whose parent is out of sight is shown at the top", () => {
    const order = treeOrder([org("krasninsky", "municipality", "lipetsk", "Краснинский"), org("krasnoe", "school", "krasninsky", "Красное")]);
    expect(order.map((o) => o.depth)).toEqual([0, 1]);
  });
});
