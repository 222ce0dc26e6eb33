// Stable, linkable addresses (the links in messages open them). Every screen is its own chunk; a
// person who is not signed in is sent to /signin and brought back afterwards.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { loadSession, session } from './session';
import { i18n } from './i18n';

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'work', component: () => import('./screens/work/MyWork.vue'), meta: { title: 'nav.work' } },
  { path: '/signin', name: 'signin', component: () => import('./screens/signin/SignIn.vue'), meta: { title: 'signin.title', public: true } },
  { path: '/notices', name: 'notices', component: () => import('./screens/notices/NoticeList.vue'), meta: { title: 'nav.notices' } },
  { path: '/notices/new', name: 'issue', component: () => import('./screens/notices/NoticeIssue.vue'), meta: { title: 'nav.issue' } },
  { path: '/notices/:id', name: 'notice', component: () => import('./screens/notices/NoticeDetail.vue'), props: true, meta: { title: 'nav.notices' } },
  { path: '/escalations', name: 'escalations', component: () => import('./screens/escalations/EscalationList.vue'), meta: { title: 'nav.escalations' } },
  { path: '/escalations/:id', name: 'escalation', component: () => import('./screens/escalations/EscalationDetail.vue'), props: true, meta: { title: 'nav.escalations' } },
  { path: '/accountability-proposals', name: 'proposals', component: () => import('./screens/proposals/ProposalList.vue'), meta: { title: 'nav.proposals' } },
  { path: '/accountability-proposals/new', name: 'proposal-new', component: () => import('./screens/proposals/ProposalNew.vue'), meta: { title: 'prop.new' } },
  { path: '/accountability-proposals/:id', name: 'proposal', component: () => import('./screens/proposals/ProposalDetail.vue'), props: true, meta: { title: 'nav.proposals' } },
  { path: '/accountability-triggers', name: 'triggers', component: () => import('./screens/triggers/TriggerList.vue'), meta: { title: 'nav.triggers' } },
  { path: '/accountability-triggers/new', name: 'trigger-new', component: () => import('./screens/triggers/TriggerRecord.vue'), meta: { title: 'trig.recordTitle' } },
  { path: '/audit', name: 'audit', component: () => import('./screens/audit/AuditLog.vue'), meta: { title: 'nav.audit' } },
  { path: '/notifications', name: 'notifications', component: () => import('./screens/notifications/Notifications.vue'), meta: { title: 'nav.notifications' } },
  { path: '/org', name: 'org', component: () => import('./screens/org/Organisation.vue'), meta: { title: 'nav.org' } },
  { path: '/dashboard', name: 'dashboard', component: () => import('./screens/dashboard/Dashboard.vue'), meta: { title: 'nav.dashboard' } },
  { path: '/calendar', name: 'calendar', component: () => import('./screens/calendar/Calendar.vue'), meta: { title: 'nav.calendar' } },
  { path: '/incidents', name: 'incidents', component: () => import('./screens/incidents/IncidentList.vue'), meta: { title: 'nav.incidents' } },
  { path: '/incidents/new', name: 'incident-new', component: () => import('./screens/incidents/IncidentNew.vue'), meta: { title: 'nav.newIncident' } },
  { path: '/incidents/:id', name: 'incident', component: () => import('./screens/incidents/IncidentDetail.vue'), props: true, meta: { title: 'nav.incidents' } },
  { path: '/systems', name: 'systems', component: () => import('./screens/systems/SystemRegister.vue'), meta: { title: 'nav.systems' } },
  { path: '/system/stuck', name: 'stuck', component: () => import('./screens/stuck/Stuck.vue'), meta: { title: 'nav.stuck' } },
  // The old inbox address (links in earlier messages) is My work now.
  { path: '/inbox', redirect: '/' },
  { path: '/:rest(.*)*', name: 'notfound', component: () => import('./screens/NotFound.vue'), meta: { title: 'common.notFoundPage', public: true } },
];

export const router = createRouter({ history: createWebHistory(), routes });

let checked = false;

router.beforeEach(async (to) => {
  if (!checked || (!session.me && !to.meta.public)) {
    checked = true;
    await loadSession().catch(() => false);
  }
  if (!to.meta.public && !session.me) {
    return { name: 'signin', query: to.fullPath === '/' ? {} : { returnTo: to.fullPath } };
  }
  return true;
});

router.afterEach((to) => {
  const t = i18n.global.t;
  document.title = `${t(typeof to.meta.title === 'string' ? to.meta.title : 'app.title')} · ${t('app.title')}`;
});
