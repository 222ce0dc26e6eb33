// The web UI's entry: Vue 3 with vue-router and vue-i18n; Element Plus components arrive per screen
// (imported on demand by the build), so this entry holds only the shell.
import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import { i18n } from './i18n';
import './styles.css';

createApp(App).use(i18n).use(router).mount('#app');
