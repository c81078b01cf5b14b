import { HACKLOAD_DATE, searchScenario } from './catalog.events-list.ts';

export default searchScenario('catalog.search-concert-date', 'концерт', HACKLOAD_DATE);
