/** The bundle of `forms/` that `formsPlugin` (formsBundle.ts) serves to the browser. */
declare module 'virtual:ravenstvo-forms' {
  const bundle: import('./catalogue').FormsBundle;
  export default bundle;
}
