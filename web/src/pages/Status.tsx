// The pages that say why there is nothing to show: «нет доступа», «не найдено».

import { Link } from "../app";

/** A page that explains itself and leads back to the start. */
function Explained(props: { title: string; text: string }) {
  return (
    <section class="card status-page">
      <h1>{props.title}</h1>
      <p>{props.text}</p>
      <Link href="/">К моим документам</Link>
    </section>
  );
}

/** «Нет доступа»: the page exists, but not for the user's roles. */
export function NoAccess(props: { what: string }) {
  return <Explained title="Нет доступа" text={`${props.what} Если доступ нужен, обратитесь к администратору.`} />;
}

/** «Не найдено»: the address names nothing in the app. */
export function NotFound() {
  return <Explained title="Не найдено" text="По этому адресу ничего нет. Проверьте адрес или вернитесь к своим документам." />;
}
